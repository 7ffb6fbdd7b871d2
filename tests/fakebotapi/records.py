"""What the stand-in remembers, in the shapes tests read.

Every value here is a snapshot: reading a message and then letting the bot
edit it does not change what was read. Tests compare snapshots taken at the
moments they care about (after this press, the question message reads…).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

JsonDict = dict[str, Any]

EventKind = Literal["sent", "edited", "deleted"]


@dataclass(frozen=True)
class UploadedFile:
    """A file part the bot uploaded (multipart), as received."""

    field: str
    file_name: str | None
    content_type: str | None
    data: bytes


@dataclass
class Call:
    """One Bot API request as it reached the server.

    ``params`` is normalised whatever the transport (JSON, query string,
    form, multipart): numbers are ints, flags are bools, ``reply_markup`` and
    other structured fields are decoded JSON. ``status`` is the HTTP status
    answered (``None`` while the call is being served or if the connection was
    dropped); ``finished`` tells the server is done with it; ``fault`` names
    the injected fault that answered it, if any (``"rate_limit"`` for the
    enforced rate limit).
    """

    seq: int
    method: str
    params: JsonDict
    files: dict[str, UploadedFile]
    at: float
    status: int | None = None
    response: JsonDict | None = None
    fault: str | None = None
    finished: bool = False

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.lstrip("-").isdigit():
            return int(value)
        return None

    @property
    def result(self) -> Any:
        return None if self.response is None else self.response.get("result")


class Button(NamedTuple):
    """An inline button: its label and its callback_data (or URL for link buttons).

    A plain tuple, so ``("Oui", "c:1:yes") in message.buttons[0]`` works.
    """

    text: str
    data: str | None

    @property
    def is_url(self) -> bool:
        return self.data is not None and "://" in self.data


def _buttons_of(markup: JsonDict | None) -> tuple[tuple[Button, ...], ...]:
    if not markup or "inline_keyboard" not in markup:
        return ()
    rows: list[tuple[Button, ...]] = []
    for row in markup["inline_keyboard"]:
        buttons: list[Button] = []
        for button in row:
            data = button.get("callback_data")
            if data is None:
                data = button.get("url")
            if data is None and isinstance(button.get("login_url"), dict):
                data = button["login_url"].get("url")
            if data is None and isinstance(button.get("web_app"), dict):
                data = button["web_app"].get("url")
            buttons.append(Button(str(button.get("text", "")), data))
        rows.append(tuple(buttons))
    return tuple(rows)


@dataclass(frozen=True)
class BotMessage:
    """A message in a chat as Telegram holds it at one moment.

    ``raw`` is the exact Bot API ``Message`` object. For media, ``photo`` /
    ``document`` hold the bytes the bot uploaded (the largest size for photos).
    """

    chat_id: int
    message_id: int
    from_bot: bool
    date: int
    text: str | None
    caption: str | None
    entities: tuple[JsonDict, ...]
    reply_markup: JsonDict | None
    edited: bool
    edit_date: int | None
    raw: JsonDict
    photo: bytes | None = None
    document: bytes | None = None
    file_name: str | None = None
    mime_type: str | None = None
    buttons: tuple[tuple[Button, ...], ...] = field(default=())

    @classmethod
    def from_raw(
        cls,
        raw: JsonDict,
        *,
        from_bot: bool,
        files: dict[str, tuple[bytes, str | None]] | None = None,
    ) -> BotMessage:
        """Build from a Bot API Message; ``files`` maps file_id to (bytes, upload name)."""
        files = files or {}
        photo: bytes | None = None
        document: bytes | None = None
        file_name: str | None = None
        mime_type: str | None = None
        if raw.get("photo"):
            largest = files.get(raw["photo"][-1]["file_id"])
            if largest is not None:
                photo, file_name = largest
        for key in ("document", "voice", "audio", "video", "sticker", "animation"):
            media = raw.get(key)
            if isinstance(media, dict):
                stored = files.get(media["file_id"])
                document = None if stored is None else stored[0]
                file_name = media.get("file_name")
                mime_type = media.get("mime_type")
                break
        markup = raw.get("reply_markup")
        entities = raw.get("entities") or raw.get("caption_entities") or []
        return cls(
            chat_id=int(raw["chat"]["id"]),
            message_id=int(raw["message_id"]),
            from_bot=from_bot,
            date=int(raw["date"]),
            text=raw.get("text"),
            caption=raw.get("caption"),
            entities=tuple(entities),
            reply_markup=markup,
            edited="edit_date" in raw,
            edit_date=raw.get("edit_date"),
            raw=raw,
            photo=photo,
            document=document,
            file_name=file_name,
            mime_type=mime_type,
            buttons=_buttons_of(markup),
        )

    @property
    def content(self) -> str:
        """The text, or the caption of a media message, or ``""``."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def flat_buttons(self) -> list[Button]:
        return [button for row in self.buttons for button in row]

    @property
    def callback_data(self) -> list[str]:
        return [b.data for b in self.flat_buttons if b.data is not None and not b.is_url]

    def button(self, label: str) -> Button:
        """The first button whose label contains ``label``; LookupError if none."""
        for button in self.flat_buttons:
            if label in button.text:
                return button
        raise LookupError(f"no button labelled like {label!r} on message {self.message_id}")

    def has_button(self, label: str) -> bool:
        return any(label in button.text for button in self.flat_buttons)


@dataclass(frozen=True)
class MessageEvent:
    """A bot message sent, edited or deleted; ``message`` is its state after the event
    (for a deletion: its last state)."""

    seq: int
    kind: EventKind
    chat_id: int
    message_id: int
    message: BotMessage
    at: float


@dataclass(frozen=True)
class Action:
    """What a fake user did; pass it as ``after=`` to wait for the bot's answer to it."""

    seq: int
    kind: str
    chat_id: int
    user_id: int
    update_id: int
    message_id: int | None = None
    callback_query_id: str | None = None
    data: str | None = None


@dataclass(frozen=True)
class CallbackAnswer:
    """The bot's answerCallbackQuery for one press."""

    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None


@dataclass(frozen=True)
class FakeUserInfo:
    """The Telegram profile of a fake user."""

    user_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    def user_json(self) -> JsonDict:
        data: JsonDict = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def chat_json(self) -> JsonDict:
        data: JsonDict = {"id": self.user_id, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        data["type"] = "private"
        return data
