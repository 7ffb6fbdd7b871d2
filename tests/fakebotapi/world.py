"""The state behind the stand-in: users, chats, messages, updates, files, calls.

One ``World`` is shared by the server thread (which serves the bot) and by
test threads (which act as users and read what the bot did). Every access
holds ``World.lock``; every change calls ``signal()``, which wakes threads
blocked in ``wait_until`` and event-loop waiters (a long-polling getUpdates)
registered with ``register_async_waiter``. Registration and the state check
happen under the same lock, so no wake-up is ever lost.

Message ids are counted per chat and shared by both sides of a private chat,
as in Telegram. One sequence number orders everything that happens (user
actions, bot calls, message events), so "what did the bot do after this
action" is a plain comparison.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .entities import detect_entities
from .errors import chat_not_found
from .faults import FaultPlan
from .media import photo_sizes
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

JsonDict = dict[str, Any]
T = TypeVar("T")

# getUpdates delivers these unless allowed_updates names others.
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post", "inline_query",
        "chosen_inline_result", "callback_query", "shipping_query", "pre_checkout_query",
        "poll", "poll_answer", "my_chat_member", "chat_join_request", "business_connection",
        "business_message", "edited_business_message", "deleted_business_messages",
        "message_reaction_count", "chat_boost", "removed_chat_boost", "purchased_paid_media",
    }
)  # fmt: skip

_FILE_PREFIX = {
    "photo": ("AgACAgIAAxkBAAI", "photos", "jpg"),
    "document": ("BQACAgIAAxkBAAI", "documents", "bin"),
    "voice": ("AwACAgIAAxkBAAI", "voice", "oga"),
    "sticker": ("CAACAgIAAxkBAAI", "stickers", "webp"),
}


@dataclass
class StoredFile:
    """A file Telegram holds: what getFile describes and the file route serves."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    file_name: str | None = None


@dataclass
class StoredMessage:
    payload: JsonDict
    from_bot: bool


@dataclass
class ChatState:
    """A private chat between the bot and one user."""

    user: FakeUserInfo
    next_message_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    reply_keyboard: JsonDict | None = None
    menu_button: JsonDict | None = None
    actions: list[str] = field(default_factory=list)

    @property
    def chat_id(self) -> int:
        return self.user.user_id

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass
class PendingCallback:
    chat_id: int
    action_seq: int
    answer: CallbackAnswer | None = None


@dataclass
class WebhookState:
    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    delivered: int = 0


class World:
    """Everything the fake Telegram knows. See the module docstring for locking."""

    def __init__(
        self,
        token: str,
        bot_username: str,
        bot_first_name: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.lock = threading.RLock()
        self._changed = threading.Condition(self.lock)
        self._async_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self.token = token
        prefix = token.split(":", 1)[0]
        self.bot_id = int(prefix) if prefix.isdigit() else 100_000_001
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.clock = clock
        self.faults = FaultPlan()
        self._seq = 0
        self._update_id = 700_000_000
        self._file_counter = 0
        self._callback_counter = 0
        self.users: dict[int, FakeUserInfo] = {}
        self.chats: dict[int, ChatState] = {}
        self.updates: list[tuple[int, str, JsonDict]] = []
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self.poll_generation = 0
        self.calls: list[Call] = []
        self.events: list[MessageEvent] = []
        self.files: dict[str, StoredFile] = {}
        self.callbacks: dict[str, PendingCallback] = {}
        self.last_action: dict[int, Action] = {}
        self.webhook = WebhookState()
        self.commands: dict[tuple[str, str], list[JsonDict]] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}
        self.default_menu_button: JsonDict | None = None
        self.closing = False

    # --- waking waiters -----------------------------------------------------------------

    def signal(self) -> None:
        """Something changed: wake sync and async waiters. Call with the lock held."""
        self._changed.notify_all()
        waiters, self._async_waiters = self._async_waiters, []
        for loop, future in waiters:
            with contextlib.suppress(RuntimeError):  # that loop is already closed
                loop.call_soon_threadsafe(_resolve, future)

    def register_async_waiter(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future[None]:
        """A future resolved at the next signal(). Call with the lock held."""
        future: asyncio.Future[None] = loop.create_future()
        self._async_waiters.append((loop, future))
        return future

    def wait_until(self, compute: Callable[[], T | None], timeout: float) -> T | None:
        """Block until ``compute()`` (run under the lock) returns non-None, or time out."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                result = compute()
                if result is not None:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._changed.wait(remaining)

    # --- counters and small builders ----------------------------------------------------

    def next_seq(self) -> int:
        with self.lock:
            self._seq += 1
            return self._seq

    @property
    def seq(self) -> int:
        with self.lock:
            return self._seq

    def now(self) -> int:
        return int(self.clock())

    def bot_user_json(self) -> JsonDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def me_json(self) -> JsonDict:
        return {
            **self.bot_user_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
            "has_topics_enabled": False,
            "allows_users_to_create_topics": False,
        }

    def chat_instance(self, chat_id: int) -> str:
        return str(-(abs(chat_id) * 1_000_003 + self.bot_id % 9973))

    def store_file(
        self, data: bytes, kind: str, file_name: str | None = None, extension: str | None = None
    ) -> StoredFile:
        with self.lock:
            self._file_counter += 1
            number = self._file_counter
            prefix, folder, default_ext = _FILE_PREFIX.get(kind, _FILE_PREFIX["document"])
            ext = extension or default_ext
            stored = StoredFile(
                file_id=f"{prefix}{number:06d}{secrets.token_hex(8)}",
                file_unique_id=f"AQAD{number:06d}",
                data=data,
                file_path=f"{folder}/file_{number}.{ext}",
                file_name=file_name,
            )
            self.files[stored.file_id] = stored
            return stored

    def store_photo(self, data: bytes, name: str | None, width: int, height: int) -> list[JsonDict]:
        """Store a photo and return its PhotoSize list, smallest first, as Telegram does."""
        sizes: list[JsonDict] = []
        total = max(width * height, 1)
        for w, h in photo_sizes(width, height):
            stored = self.store_file(data, "photo", file_name=name)
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_size": max(1, round(len(data) * (w * h) / total)),
                    "width": w,
                    "height": h,
                }
            )
        sizes[-1]["file_size"] = len(data)
        return sizes

    def file_by_path(self, file_path: str) -> StoredFile | None:
        with self.lock:
            for stored in self.files.values():
                if stored.file_path == file_path:
                    return stored
            return None

    # --- users and chats ----------------------------------------------------------------

    def add_user(self, info: FakeUserInfo) -> None:
        """Register a user who has started the bot: their private chat exists."""
        with self.lock:
            self.users[info.user_id] = info
            chat = self.chats.get(info.user_id)
            if chat is None:
                self.chats[info.user_id] = ChatState(user=info)
            else:
                chat.user = info
            self.signal()

    def chat(self, chat_id: int) -> ChatState:
        with self.lock:
            chat = self.chats.get(chat_id)
            if chat is None:
                raise chat_not_found()
            return chat

    # --- updates ------------------------------------------------------------------------

    def push_update(self, kind: str, payload: JsonDict) -> int:
        with self.lock:
            self._update_id += 1
            self.updates.append((self._update_id, kind, payload))
            self.signal()
            return self._update_id

    def confirm_updates(self, offset: int | None) -> None:
        """Apply getUpdates' ``offset``: forget confirmed (or, if negative, older) updates."""
        if not offset:
            return
        with self.lock:
            if offset > 0:
                self.updates = [u for u in self.updates if u[0] >= offset]
            else:
                self.updates = self.updates[offset:]
            self.signal()

    def peek_updates(self, limit: int) -> list[JsonDict]:
        """Deliverable updates (unconfirmed ones stay queued); drops filtered-out types."""
        with self.lock:
            self.updates = [u for u in self.updates if u[1] in self.allowed_updates]
            return [
                {"update_id": uid, kind: payload} for uid, kind, payload in self.updates[:limit]
            ]

    def drop_pending_updates(self) -> None:
        with self.lock:
            self.updates.clear()
            self.signal()

    def set_allowed_updates(self, allowed: list[str] | None) -> None:
        if allowed is None:
            return
        with self.lock:
            self.allowed_updates = frozenset(allowed) if allowed else DEFAULT_UPDATE_TYPES

    # --- calls --------------------------------------------------------------------------

    def record_call(self, method: str, params: JsonDict, files: dict[str, UploadedFile]) -> Call:
        with self.lock:
            call = Call(
                seq=self.next_seq(),
                method=method,
                params=params,
                files=files,
                at=time.monotonic(),
            )
            self.calls.append(call)
            self.signal()
            return call

    def finish_call(self, call: Call, status: int | None, response: JsonDict | None) -> None:
        with self.lock:
            call.status = status
            call.response = response
            call.finished = True
            self.signal()

    # --- messages -----------------------------------------------------------------------

    def message_files(self, payload: JsonDict) -> dict[str, tuple[bytes, str | None]]:
        ids: list[str] = [size["file_id"] for size in payload.get("photo") or []]
        for key in ("document", "voice", "audio", "video", "sticker", "animation"):
            media = payload.get(key)
            if isinstance(media, dict):
                ids.append(media["file_id"])
        found: dict[str, tuple[bytes, str | None]] = {}
        for file_id in ids:
            stored = self.files.get(file_id)
            if stored is not None:
                found[file_id] = (stored.data, stored.file_name)
        return found

    def snapshot(self, stored: StoredMessage) -> BotMessage:
        with self.lock:
            payload = copy.deepcopy(stored.payload)
            return BotMessage.from_raw(
                payload, from_bot=stored.from_bot, files=self.message_files(payload)
            )

    def add_bot_message(self, chat: ChatState, content: JsonDict) -> JsonDict:
        """Store a message the bot sent and record the event; returns the Message JSON."""
        with self.lock:
            message_id = chat.take_message_id()
            payload: JsonDict = {
                "message_id": message_id,
                "from": self.bot_user_json(),
                "chat": chat.user.chat_json(),
                "date": self.now(),
                **content,
            }
            chat.messages[message_id] = StoredMessage(payload, from_bot=True)
            self.record_event("sent", chat, message_id)
            return copy.deepcopy(payload)

    def replace_bot_message(self, chat: ChatState, message_id: int, payload: JsonDict) -> JsonDict:
        with self.lock:
            payload["edit_date"] = self.now()
            chat.messages[message_id] = StoredMessage(payload, from_bot=True)
            self.record_event("edited", chat, message_id)
            return copy.deepcopy(payload)

    def delete_message(self, chat: ChatState, message_id: int) -> bool:
        with self.lock:
            stored = chat.messages.get(message_id)
            if stored is None:
                return False
            if stored.from_bot:
                self.record_event("deleted", chat, message_id)
            del chat.messages[message_id]
            self.signal()
            return True

    def record_event(self, kind: EventKind, chat: ChatState, message_id: int) -> None:
        with self.lock:
            snapshot = self.snapshot(chat.messages[message_id])
            self.events.append(
                MessageEvent(
                    seq=self.next_seq(),
                    kind=kind,
                    chat_id=chat.chat_id,
                    message_id=message_id,
                    message=snapshot,
                    at=time.monotonic(),
                )
            )
            self.signal()

    # --- what users do ------------------------------------------------------------------

    def _note_action(
        self,
        chat: ChatState,
        kind: str,
        update_id: int,
        *,
        message_id: int | None = None,
        callback_query_id: str | None = None,
        data: str | None = None,
    ) -> Action:
        action = Action(
            seq=self.next_seq(),
            kind=kind,
            chat_id=chat.chat_id,
            user_id=chat.user.user_id,
            update_id=update_id,
            message_id=message_id,
            callback_query_id=callback_query_id,
            data=data,
        )
        self.last_action[chat.chat_id] = action
        self.signal()
        return action

    def _restart_if_blocked(self, chat: ChatState) -> None:
        """Writing to a bot one blocked unblocks it first (Telegram's "Restart")."""
        if self.faults.unblock(chat.user.user_id):
            self.push_update("my_chat_member", self.member_change(chat, "kicked", "member"))

    def member_change(self, chat: ChatState, old: str, new: str) -> JsonDict:
        def member(status: str) -> JsonDict:
            data: JsonDict = {"user": self.bot_user_json(), "status": status}
            if status == "kicked":
                data["until_date"] = 0
            return data

        return {
            "chat": chat.user.chat_json(),
            "from": chat.user.user_json(),
            "date": self.now(),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }

    def user_message(self, user_id: int, content: JsonDict, kind: str) -> Action:
        """The user posts a message (text, photo, …) to the bot."""
        with self.lock:
            chat = self.chat(user_id)
            self._restart_if_blocked(chat)
            message_id = chat.take_message_id()
            payload: JsonDict = {
                "message_id": message_id,
                "from": chat.user.user_json(),
                "chat": chat.user.chat_json(),
                "date": self.now(),
                **content,
            }
            chat.messages[message_id] = StoredMessage(payload, from_bot=False)
            update_id = self.push_update("message", copy.deepcopy(payload))
            return self._note_action(chat, kind, update_id, message_id=message_id)

    def user_text(self, user_id: int, text: str, kind: str = "text") -> Action:
        content: JsonDict = {"text": text}
        entities = detect_entities(text)
        if entities:
            content["entities"] = entities
        return self.user_message(user_id, content, kind)

    def user_edit_last_text(self, user_id: int, new_text: str) -> Action:
        with self.lock:
            chat = self.chat(user_id)
            mine = [m for m in chat.messages.values() if not m.from_bot and "text" in m.payload]
            if not mine:
                raise LookupError("this user has sent no text message to edit")
            stored = max(mine, key=lambda m: int(m.payload["message_id"]))
            payload = copy.deepcopy(stored.payload)
            payload["text"] = new_text
            payload.pop("entities", None)
            entities = detect_entities(new_text)
            if entities:
                payload["entities"] = entities
            payload["edit_date"] = self.now()
            stored.payload = payload
            update_id = self.push_update("edited_message", copy.deepcopy(payload))
            return self._note_action(chat, "edit", update_id, message_id=int(payload["message_id"]))

    def latest_bot_message(
        self, chat_id: int, accept: Callable[[BotMessage], bool]
    ) -> BotMessage | None:
        with self.lock:
            chat = self.chat(chat_id)
            for message_id in sorted(chat.messages, reverse=True):
                stored = chat.messages[message_id]
                if stored.from_bot:
                    snapshot = self.snapshot(stored)
                    if accept(snapshot):
                        return snapshot
            return None

    def user_press(self, user_id: int, data: str, message_id: int) -> Action:
        """The user presses an inline button carrying ``data`` on ``message_id``."""
        with self.lock:
            chat = self.chat(user_id)
            self._restart_if_blocked(chat)
            self._callback_counter += 1
            query_id = str(6_100_000_000_000_000_000 + self._callback_counter)
            stored = chat.messages.get(message_id)
            if stored is not None:
                message = copy.deepcopy(stored.payload)
            else:  # forged or deleted: Telegram sends an InaccessibleMessage
                message = {"chat": chat.user.chat_json(), "message_id": message_id, "date": 0}
            update = {
                "id": query_id,
                "from": chat.user.user_json(),
                "message": message,
                "chat_instance": self.chat_instance(chat.chat_id),
                "data": data,
            }
            update_id = self.push_update("callback_query", update)
            action = self._note_action(
                chat,
                "press",
                update_id,
                message_id=message_id,
                callback_query_id=query_id,
                data=data,
            )
            self.callbacks[query_id] = PendingCallback(chat.chat_id, action.seq)
            return action

    def set_blocked(self, user_id: int, blocked: bool) -> None:
        """Block or unblock the bot on the user's side, with the my_chat_member update."""
        with self.lock:
            chat = self.chat(user_id)
            if blocked and self.faults.block(user_id):
                self.push_update("my_chat_member", self.member_change(chat, "member", "kicked"))
            elif not blocked and self.faults.unblock(user_id):
                self.push_update("my_chat_member", self.member_change(chat, "kicked", "member"))
            self.signal()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
