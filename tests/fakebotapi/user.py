"""A fake Telegram user: what a person can do in the chat with the bot.

Each method turns into the update Telegram would deliver (a Message with
``from`` and ``chat``, a CallbackQuery with ``chat_instance``, …), queued for
getUpdates or the webhook, and returns an ``Action`` marker: pass it as
``after=`` to wait for what the bot did in answer. Methods are plain sync
calls, safe from any thread and from async tests (they never block).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .media import image_size, ogg_voice_bytes, png_bytes, webp_sticker_bytes
from .records import Action, BotMessage, CallbackAnswer, FakeUserInfo

if TYPE_CHECKING:
    from .api import FakeBotApi

JsonDict = dict[str, Any]


class FakeUser:
    """One person talking to the bot in a private chat (chat id == user id)."""

    def __init__(self, api: FakeBotApi, info: FakeUserInfo) -> None:
        self._api = api
        self._world = api.world
        self.info = info

    @property
    def user_id(self) -> int:
        return self.info.user_id

    @property
    def chat_id(self) -> int:
        return self.info.user_id

    @property
    def last_action(self) -> Action | None:
        with self._world.lock:
            return self._world.last_action.get(self.chat_id)

    # --- writing ------------------------------------------------------------------------

    def send_text(self, text: str) -> Action:
        """Send a text; ``/commands`` in it get ``bot_command`` entities."""
        return self._world.user_text(self.user_id, text)

    def send_command(self, command: str, args: str = "") -> Action:
        """Send ``/command args`` (``command`` with or without its slash)."""
        text = "/" + command.lstrip("/")
        if args:
            text += " " + args
        return self._world.user_text(self.user_id, text, kind="command")

    def edit_last_message(self, new_text: str) -> Action:
        """Edit this user's latest text message (an ``edited_message`` update)."""
        return self._world.user_edit_last_text(self.user_id, new_text)

    def send_photo(self, data: bytes | None = None, caption: str | None = None) -> Action:
        """Send a photo (a small valid PNG by default)."""
        data = data if data is not None else png_bytes(64, 48)
        size = image_size(data) or (64, 48)
        content: JsonDict = {"photo": self._world.store_photo(data, None, *size)}
        if caption:
            content["caption"] = caption
        return self._world.user_message(self.user_id, content, "photo")

    def send_document(
        self,
        data: bytes,
        file_name: str,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
    ) -> Action:
        stored = self._world.store_file(data, "document", file_name=file_name)
        content: JsonDict = {
            "document": {
                "file_name": file_name,
                "mime_type": mime_type,
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(data),
            }
        }
        if caption:
            content["caption"] = caption
        return self._world.user_message(self.user_id, content, "document")

    def send_voice(self, duration: int = 2, data: bytes | None = None) -> Action:
        data = data if data is not None else ogg_voice_bytes(duration)
        stored = self._world.store_file(data, "voice")
        content: JsonDict = {
            "voice": {
                "duration": duration,
                "mime_type": "audio/ogg",
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(data),
            }
        }
        return self._world.user_message(self.user_id, content, "voice")

    def send_sticker(self, emoji: str = "👍") -> Action:
        data = webp_sticker_bytes()
        stored = self._world.store_file(data, "sticker")
        content: JsonDict = {
            "sticker": {
                "width": 512,
                "height": 512,
                "emoji": emoji,
                "set_name": "BilanTestStickers",
                "is_animated": False,
                "is_video": False,
                "type": "regular",
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(data),
            }
        }
        return self._world.user_message(self.user_id, content, "sticker")

    def send_location(self, latitude: float = 48.8566, longitude: float = 2.3522) -> Action:
        content: JsonDict = {"location": {"latitude": latitude, "longitude": longitude}}
        return self._world.user_message(self.user_id, content, "location")

    # --- buttons ------------------------------------------------------------------------

    def press(self, callback_data: str, message_id: int | None = None) -> Action:
        """Press the inline button carrying ``callback_data``.

        Without ``message_id``, the latest bot message showing that button is
        used (LookupError if none does). With an explicit ``message_id`` the
        data is sent as given, even if no button carries it: that is how a
        test forges callback data.
        """
        if message_id is None:
            message = self._world.latest_bot_message(
                self.chat_id, lambda m: callback_data in m.callback_data
            )
            if message is None:
                raise LookupError(f"no bot message carries the button data {callback_data!r}")
            message_id = message.message_id
        return self._world.user_press(self.user_id, callback_data, message_id)

    def press_button(self, label: str) -> Action:
        """Press the button whose label contains ``label`` on the latest message showing one."""
        message = self._world.latest_bot_message(self.chat_id, lambda m: m.has_button(label))
        if message is None:
            raise LookupError(f"no bot message has a button labelled like {label!r}")
        button = message.button(label)
        if button.data is None or button.is_url:
            raise ValueError(f"the button {button.text!r} opens a link; it sends no callback")
        return self._world.user_press(self.user_id, button.data, message.message_id)

    def callback_answer(
        self, action: Action | None = None, timeout: float = 10.0
    ) -> CallbackAnswer:
        """The bot's answerCallbackQuery for a press (default: this user's last action)."""
        return self._api.callback_answer(action or self._require_last_action(), timeout)

    # --- blocking -----------------------------------------------------------------------

    def block(self) -> None:
        """Block the bot: sends to this chat answer 403 until ``unblock`` or a new message."""
        self._world.set_blocked(self.user_id, True)

    def unblock(self) -> None:
        self._world.set_blocked(self.user_id, False)

    # --- reading ------------------------------------------------------------------------

    def messages(self) -> list[BotMessage]:
        return self._api.messages(self.chat_id)

    def last_message(self) -> BotMessage | None:
        return self._api.last_message(self.chat_id)

    def wait_for_reply(
        self,
        predicate: Callable[[BotMessage], bool] | None = None,
        timeout: float = 10.0,
        after: Action | None = None,
    ) -> BotMessage:
        """The first bot message sent or edited in this chat after ``after``
        (default: this user's last action) that satisfies ``predicate``."""
        return self._api.wait_for_reply(
            self.chat_id, after=after, predicate=predicate, timeout=timeout
        )

    async def wait_for_reply_async(
        self,
        predicate: Callable[[BotMessage], bool] | None = None,
        timeout: float = 10.0,
        after: Action | None = None,
    ) -> BotMessage:
        return await asyncio.to_thread(self.wait_for_reply, predicate, timeout, after)

    def _require_last_action(self) -> Action:
        action = self.last_action
        if action is None:
            raise LookupError("this user has not done anything yet")
        return action
