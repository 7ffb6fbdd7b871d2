"""``FakeBotApi``: start the stand-in, act as users, read and break things.

The façade tests use. See the package docstring for a walk-through.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

from .faults import FaultKind, FaultRule, RateLimit
from .records import (
    Action,
    BotMessage,
    Call,
    CallbackAnswer,
    EventKind,
    FakeUserInfo,
    MessageEvent,
    UploadedFile,
)
from .server import ApiServer
from .user import FakeUser
from .world import World

JsonDict = dict[str, Any]
Marker = Action | Call | MessageEvent | int


def _seq_of(marker: Marker | None) -> int:
    if marker is None:
        return 0
    return marker if isinstance(marker, int) else marker.seq


def _describe(events: Sequence[MessageEvent]) -> str:
    if not events:
        return "the bot sent or edited nothing in this chat after it"
    lines = [
        f"  #{e.seq} {e.kind} message {e.message_id}: {e.message.content[:60]!r}" for e in events
    ]
    return "what the bot did after it:\n" + "\n".join(lines[-10:])


class FakeBotApi:
    """A Telegram Bot API stand-in on 127.0.0.1 with fake users and fault injection.

    ``FakeBotApi(token, bot_username).start()`` (or ``with FakeBotApi() as api``)
    serves the Bot API in a background thread; give the bot
    ``base_url=api.base_url`` and ``base_file_url=api.base_file_url``.
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "bilan_test_bot",
        bot_first_name: str = "Bilan (test)",
        *,
        port: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.world = World(token, bot_username, bot_first_name, clock)
        self._server = ApiServer(self.world, "127.0.0.1", port)

    # --- life cycle ---------------------------------------------------------------------

    def start(self) -> FakeBotApi:
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving; every thread and socket of the stand-in is released."""
        self._server.stop()

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def token(self) -> str:
        return self.world.token

    @property
    def bot_id(self) -> int:
        return self.world.bot_id

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The value for TELEGRAM_API_BASE_URL: PTB appends the token."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def control_url(self) -> str:
        return f"{self.url}/_control"

    # --- users --------------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "Paul",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "fr",
    ) -> FakeUser:
        """A user who has started the bot (their chat exists; sends to it succeed).

        Calling it again for the same id returns a new handle on the same chat
        and replaces the profile with the one given.
        """
        info = FakeUserInfo(user_id, first_name, last_name, username, language_code)
        self.world.add_user(info)
        return FakeUser(self, info)

    # --- reading the chats --------------------------------------------------------------

    def messages(self, chat_id: int, *, include_user: bool = False) -> list[BotMessage]:
        """The chat's current messages (edits applied, deleted ones gone), oldest first."""
        world = self.world
        with world.lock:
            chat = world.chat(chat_id)
            return [
                world.snapshot(chat.messages[mid])
                for mid in sorted(chat.messages)
                if include_user or chat.messages[mid].from_bot
            ]

    def last_message(self, chat_id: int) -> BotMessage | None:
        current = self.messages(chat_id)
        return current[-1] if current else None

    def history(self, chat_id: int | None = None) -> list[MessageEvent]:
        """Every sent/edited/deleted event of bot messages, in order."""
        with self.world.lock:
            return [e for e in self.world.events if chat_id is None or e.chat_id == chat_id]

    def _default_after(self, chat_id: int, after: Marker | None) -> int:
        if after is not None:
            return _seq_of(after)
        with self.world.lock:
            action = self.world.last_action.get(chat_id)
            return 0 if action is None else action.seq

    def replies(self, chat_id: int, after: Marker | None = None) -> list[BotMessage]:
        """Bot messages sent or edited after ``after`` (default: the chat's last user action)."""
        since = self._default_after(chat_id, after)
        return [
            e.message
            for e in self.history(chat_id)
            if e.seq > since and e.kind in ("sent", "edited")
        ]

    def wait_for_event(
        self,
        chat_id: int,
        after: Marker | None = None,
        predicate: Callable[[BotMessage], bool] | None = None,
        timeout: float = 10.0,
        kinds: Sequence[EventKind] = ("sent", "edited"),
    ) -> MessageEvent:
        """The first event in ``chat_id`` after ``after`` whose message satisfies
        ``predicate``; TimeoutError (listing what happened instead) if none comes."""
        since = self._default_after(chat_id, after)
        world = self.world

        def find() -> MessageEvent | None:
            for event in world.events:
                if (
                    event.seq > since
                    and event.chat_id == chat_id
                    and event.kind in kinds
                    and (predicate is None or predicate(event.message))
                ):
                    return event
            return None

        found = world.wait_until(find, timeout)
        if found is None:
            seen = [e for e in self.history(chat_id) if e.seq > since]
            raise TimeoutError(
                f"no matching bot message in chat {chat_id} within {timeout} s after "
                f"#{since}; {_describe(seen)}"
            )
        return found

    def wait_for_reply(
        self,
        chat_id: int,
        after: Marker | None = None,
        predicate: Callable[[BotMessage], bool] | None = None,
        timeout: float = 10.0,
    ) -> BotMessage:
        """The first bot message sent or edited in ``chat_id`` after ``after``
        (an Action; default: the chat's last user action) satisfying ``predicate``."""
        return self.wait_for_event(chat_id, after, predicate, timeout).message

    def wait_for_message(
        self,
        chat_id: int,
        predicate: Callable[[BotMessage], bool] | None = None,
        timeout: float = 10.0,
    ) -> BotMessage:
        """``wait_for_reply`` after the chat's last user action."""
        return self.wait_for_reply(chat_id, None, predicate, timeout)

    async def wait_for_reply_async(
        self,
        chat_id: int,
        after: Marker | None = None,
        predicate: Callable[[BotMessage], bool] | None = None,
        timeout: float = 10.0,
    ) -> BotMessage:
        """``wait_for_reply`` without blocking the calling event loop."""
        return await asyncio.to_thread(self.wait_for_reply, chat_id, after, predicate, timeout)

    async def wait_for_message_async(
        self,
        chat_id: int,
        predicate: Callable[[BotMessage], bool] | None = None,
        timeout: float = 10.0,
    ) -> BotMessage:
        return await asyncio.to_thread(self.wait_for_message, chat_id, predicate, timeout)

    def callback_answer(self, action: Action, timeout: float = 10.0) -> CallbackAnswer:
        """The bot's answerCallbackQuery to a press; TimeoutError if it never answers."""
        if action.callback_query_id is None:
            raise ValueError("this action is not a button press")
        query_id = action.callback_query_id
        world = self.world

        def answered() -> CallbackAnswer | None:
            pending = world.callbacks.get(query_id)
            return None if pending is None else pending.answer

        answer = world.wait_until(answered, timeout)
        if answer is None:
            raise TimeoutError(f"the bot did not answer callback query #{action.seq}")
        return answer

    def reply_keyboard(self, chat_id: int) -> list[list[str]] | None:
        """The labels of the reply keyboard shown in the chat, or None."""
        with self.world.lock:
            keyboard = self.world.chat(chat_id).reply_keyboard
            if keyboard is None:
                return None
            return [
                [b if isinstance(b, str) else str(b.get("text", "")) for b in row]
                for row in keyboard.get("keyboard", [])
            ]

    def chat_actions(self, chat_id: int) -> list[str]:
        """The sendChatAction actions shown in the chat ("typing", …), in order."""
        with self.world.lock:
            return list(self.world.chat(chat_id).actions)

    def commands(self, scope_type: str = "default", language_code: str = "") -> list[JsonDict]:
        """The command list set with setMyCommands for a scope type and language."""
        with self.world.lock:
            return [dict(c) for c in self.world.commands.get((scope_type, language_code), [])]

    def webhook_info(self) -> JsonDict:
        with self.world.lock:
            hook = self.world.webhook
            return {
                "url": hook.url,
                "secret_token": hook.secret_token,
                "pending_update_count": len(self.world.updates),
                "delivered": hook.delivered,
                "last_error_message": hook.last_error_message,
            }

    def pending_updates(self) -> list[JsonDict]:
        """Updates not yet confirmed by the bot (getUpdates offset or webhook 2xx)."""
        with self.world.lock:
            return [{"update_id": uid, kind: p} for uid, kind, p in self.world.updates]

    def wait_for_updates_consumed(self, timeout: float = 10.0) -> None:
        """Wait until the bot has confirmed every queued update."""
        world = self.world
        if world.wait_until(lambda: True if not world.updates else None, timeout) is None:
            raise TimeoutError(f"{len(world.updates)} update(s) still unconfirmed")

    # --- recorded calls -----------------------------------------------------------------

    def calls(self, method: str | None = None, after: Marker | None = None) -> list[Call]:
        since = _seq_of(after)
        with self.world.lock:
            return [
                call
                for call in self.world.calls
                if call.seq > since and (method is None or call.method.lower() == method.lower())
            ]

    def reset_calls(self) -> None:
        with self.world.lock:
            self.world.calls.clear()

    def wait_for_call(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 10.0,
        after: Marker | None = None,
    ) -> Call:
        """The first finished call of ``method`` (after ``after``) satisfying ``predicate``."""
        since = _seq_of(after)
        world = self.world

        def find() -> Call | None:
            for call in world.calls:
                if (
                    call.seq > since
                    and call.finished
                    and call.method.lower() == method.lower()
                    and (predicate is None or predicate(call))
                ):
                    return call
            return None

        found = world.wait_until(find, timeout)
        if found is None:
            raise TimeoutError(f"no matching {method} call within {timeout} s")
        return found

    async def wait_for_call_async(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 10.0,
        after: Marker | None = None,
    ) -> Call:
        return await asyncio.to_thread(self.wait_for_call, method, predicate, timeout, after)

    def uploaded_files(self, chat_id: int) -> list[UploadedFile]:
        """Files the bot uploaded to ``chat_id`` in successful calls, in order."""
        return [
            upload
            for call in self.calls()
            if call.ok and call.chat_id == chat_id
            for upload in call.files.values()
        ]

    # --- faults -------------------------------------------------------------------------

    def fail_next(
        self,
        n: int = 1,
        kind: FaultKind | str = "429",
        method: str | None = None,
        retry_after: int = 1,
        *,
        chat_id: int | None = None,
        delay_s: float = 30.0,
        performed: bool = False,
    ) -> None:
        """Answer the next ``n`` matching calls with a fault (see faults.FaultRule).

        ``method`` None matches any method but getUpdates. ``timeout`` holds the
        call for ``delay_s`` (or until stop) and then drops the connection;
        ``performed=True`` carries the call out before the answer is lost.
        """
        self.world.faults.add(
            FaultRule(
                kind=str(kind),
                remaining=n,
                method=None if method is None else method.lower(),
                chat_id=chat_id,
                retry_after=retry_after,
                delay_s=delay_s,
                performed=performed,
            )
        )

    def block_user(self, user_id: int) -> None:
        """The user blocks the bot: every send to them answers 403 until unblocked."""
        self.world.set_blocked(user_id, True)

    def unblock_user(self, user_id: int) -> None:
        self.world.set_blocked(user_id, False)

    @property
    def latency_s(self) -> float:
        return self.world.faults.latency_s

    @latency_s.setter
    def latency_s(self, value: float) -> None:
        self.world.faults.latency_s = max(0.0, value)

    def set_rate_limit(
        self,
        per_second: float | None = 30.0,
        per_chat_per_second: float | None = None,
        window_s: float = 1.0,
    ) -> None:
        """Answer 429 to sends beyond these rates (None: no limit of that kind)."""
        self.world.faults.set_rate_limit(RateLimit(per_second, per_chat_per_second, window_s))

    def clear_rate_limit(self) -> None:
        self.world.faults.set_rate_limit(None)

    def clear_faults(self) -> None:
        """Forget pending faults, blocks, latency and rate limit."""
        self.world.faults.clear()

    def stop_accepting(self) -> None:
        """Outage: close the listening socket and every connection (refused from now on)."""
        self._server.stop_accepting()

    def resume(self) -> None:
        """End the outage: listen again on the same port."""
        self._server.resume()

    @property
    def accepting(self) -> bool:
        return self._server.accepting
