"""The Bot API methods the stand-in answers, with Telegram's checks and shapes.

Each method takes the ``World``, the normalised parameters and the uploaded
files, and returns the ``result`` of a successful answer or raises
``ApiError``. They run with ``World.lock`` held and never block; getUpdates,
which waits, lives in the server. Methods are looked up case-insensitively,
as Telegram does.
"""

from __future__ import annotations

import copy
import mimetypes
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from .entities import (
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    EntityParseError,
    FormattedText,
    UnsupportedParseMode,
    format_text,
)
from .errors import (
    ApiError,
    bad_request,
    button_data_invalid,
    chat_not_found,
    not_modified,
    query_invalid,
    too_large,
)
from .media import image_size
from .params import get_bool, get_int, get_json_dict, get_json_list, get_str, require
from .records import CallbackAnswer, UploadedFile
from .world import ChatState, StoredFile, World

JsonDict = dict[str, Any]
Files = dict[str, UploadedFile]
Method = Callable[[World, JsonDict, Files], Any]

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024

_BUTTON_ACTIONS = (
    "callback_data", "url", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "callback_game",
    "pay", "web_app", "copy_text",
)  # fmt: skip
_CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


# --- shared checks ----------------------------------------------------------------------


def _target_chat(world: World, params: JsonDict) -> ChatState:
    chat_id = require(params, "chat_id")
    if not isinstance(chat_id, int):
        raise chat_not_found()
    return world.chat(chat_id)


def _message_id(params: JsonDict) -> int:
    if params.get("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    message_id = get_int(params, "message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    return message_id


def _formatted(
    params: JsonDict,
    *,
    text_key: str,
    entities_key: str,
    limit: int,
    required: bool,
) -> FormattedText | None:
    raw = params.get(text_key)
    if raw is None or raw == "":
        if required:
            raise bad_request("message text is empty")
        return None
    try:
        formatted = format_text(
            str(raw), get_str(params, "parse_mode"), get_json_list(params, entities_key)
        )
    except UnsupportedParseMode as exc:
        raise bad_request("unsupported parse_mode") from exc
    except EntityParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from exc
    if not formatted.text:
        if required:
            raise bad_request("message text is empty")
        return None
    if len(formatted.text) > limit:
        raise bad_request(
            "message is too long" if text_key == "text" else "message caption is too long"
        )
    return formatted


def _inline_button(button: Any) -> JsonDict:
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    text = button.get("text")
    if not isinstance(text, str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    actions = [key for key in _BUTTON_ACTIONS if button.get(key) is not None]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    clean: JsonDict = {"text": text}
    for key in _BUTTON_ACTIONS:
        if button.get(key) is not None:
            clean[key] = button[key]
    for key in ("style", "icon_custom_emoji_id"):
        if button.get(key) is not None:
            clean[key] = button[key]
    if "callback_data" in clean:
        data = clean["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise button_data_invalid()
    if "url" in clean:
        url = clean["url"]
        scheme = urlsplit(url).scheme.lower() if isinstance(url, str) else ""
        if scheme not in ("http", "https", "tg"):
            raise bad_request("BUTTON_URL_INVALID")
    return clean


def _reply_markup(params: JsonDict) -> tuple[JsonDict | None, JsonDict | None]:
    """(inline keyboard to attach, other markup such as a reply keyboard)."""
    markup = get_json_dict(params, "reply_markup")
    if markup is None:
        return None, None
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request("can't parse inline keyboard markup JSON object")
        clean_rows = [[_inline_button(button) for button in row] for row in rows]
        if sum(len(row) for row in clean_rows) > 100:
            raise bad_request("reply markup is too long")
        return {"inline_keyboard": clean_rows}, None
    if "keyboard" in markup or markup.get("remove_keyboard") or markup.get("force_reply"):
        return None, markup
    raise bad_request("can't parse reply keyboard markup JSON object")


def _apply_keyboard(chat: ChatState, other: JsonDict | None) -> None:
    if other is None:
        return
    if "keyboard" in other:
        chat.reply_keyboard = copy.deepcopy(other)
    elif other.get("remove_keyboard"):
        chat.reply_keyboard = None


def _common_content(world: World, chat: ChatState, params: JsonDict) -> JsonDict:
    """reply_to_message and has_protected_content, shared by every send."""
    content: JsonDict = {}
    reply = get_json_dict(params, "reply_parameters") or {}
    reply_to = reply.get("message_id", params.get("reply_to_message_id"))
    allow_without = bool(
        reply.get("allow_sending_without_reply") or params.get("allow_sending_without_reply")
    )
    if reply_to is not None:
        target = chat.messages.get(int(reply_to))
        if target is not None:
            replied = copy.deepcopy(target.payload)
            replied.pop("reply_to_message", None)
            content["reply_to_message"] = replied
        elif not allow_without:
            raise bad_request("message to be replied not found")
    if get_bool(params, "protect_content"):
        content["has_protected_content"] = True
    return content


def _put_text(content: JsonDict, formatted: FormattedText | None, key: str, ent_key: str) -> None:
    content.pop(key, None)
    content.pop(ent_key, None)
    if formatted is None:
        return
    content[key] = formatted.text
    if formatted.entities:
        content[ent_key] = formatted.entities


def _upload(
    world: World, params: JsonDict, files: Files, field: str
) -> tuple[bytes, str | None, str | None, StoredFile | None]:
    """(bytes, upload name, content type, already stored file) for a file parameter."""
    value = files.get(field) or params.get(field)
    if isinstance(value, str) and value.startswith("attach://"):
        value = files.get(value[len("attach://") :])
    if isinstance(value, UploadedFile):
        if len(value.data) > MAX_UPLOAD_BYTES:
            raise too_large()
        if not value.data:
            raise bad_request("file must be non-empty")
        return value.data, value.file_name, value.content_type, None
    if isinstance(value, str) and value:
        stored = world.files.get(value)
        if stored is not None:
            return stored.data, stored.file_name, None, stored
        raise bad_request("wrong file identifier/HTTP URL specified")
    raise bad_request(f"there is no {field} in the request")


# --- identity and set-up ----------------------------------------------------------------


def get_me(world: World, params: JsonDict, files: Files) -> Any:
    return world.me_json()


def _scope_key(params: JsonDict) -> tuple[str, str]:
    scope = get_json_dict(params, "scope") or {"type": "default"}
    language = get_str(params, "language_code") or ""
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise bad_request("invalid language code specified")
    parts = [str(scope.get("type", "default"))]
    for key in ("chat_id", "user_id"):
        if scope.get(key) is not None:
            parts.append(f"{key}={scope[key]}")
    return ";".join(parts), language


def set_my_commands(world: World, params: JsonDict, files: Files) -> Any:
    commands = get_json_list(params, "commands")
    if commands is None:
        raise bad_request("commands is empty")
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    clean: list[JsonDict] = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse commands JSON object")
        name = str(command.get("command", "")).lstrip("/")
        description = str(command.get("description", "")).strip()
        if not _COMMAND.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        clean.append({"command": name, "description": description})
    world.commands[_scope_key(params)] = clean
    return True


def get_my_commands(world: World, params: JsonDict, files: Files) -> Any:
    return copy.deepcopy(world.commands.get(_scope_key(params), []))


def delete_my_commands(world: World, params: JsonDict, files: Files) -> Any:
    world.commands.pop(_scope_key(params), None)
    return True


def set_chat_menu_button(world: World, params: JsonDict, files: Files) -> Any:
    button = get_json_dict(params, "menu_button") or {"type": "default"}
    if button.get("type") not in ("default", "commands", "web_app"):
        raise bad_request("can't parse menu button JSON object")
    chat_id = params.get("chat_id")
    if chat_id is None:
        world.default_menu_button = button
    else:
        _target_chat(world, params).menu_button = button
    return True


def get_chat_menu_button(world: World, params: JsonDict, files: Files) -> Any:
    if params.get("chat_id") is not None:
        chat = _target_chat(world, params)
        if chat.menu_button is not None:
            return copy.deepcopy(chat.menu_button)
    return copy.deepcopy(world.default_menu_button or {"type": "commands"})


def _bot_text(kind: str, limit: int) -> Method:
    def setter(world: World, params: JsonDict, files: Files) -> Any:
        value = get_str(params, kind) or ""
        if len(value) > limit:
            raise bad_request(f"{kind.replace('_', ' ')} is too long")
        world.bot_texts[(kind, get_str(params, "language_code") or "")] = value
        return True

    return setter


def _bot_text_getter(kind: str) -> Method:
    def getter(world: World, params: JsonDict, files: Files) -> Any:
        language = get_str(params, "language_code") or ""
        value = world.bot_texts.get((kind, language))
        if value is None:
            value = world.bot_texts.get((kind, ""), world.bot_first_name if kind == "name" else "")
        return {kind: value}

    return getter


def get_chat(world: World, params: JsonDict, files: Files) -> Any:
    chat = _target_chat(world, params)
    return {
        **chat.user.chat_json(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }


# --- webhook ----------------------------------------------------------------------------


def set_webhook(world: World, params: JsonDict, files: Files) -> Any:
    url = get_str(params, "url") or ""
    if get_bool(params, "drop_pending_updates"):
        world.drop_pending_updates()
    if not url:
        world.webhook.url = ""
        world.signal()
        return True
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = get_str(params, "secret_token")
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        raise bad_request("secret token contains unallowed characters")
    world.webhook.url = url
    world.webhook.secret_token = secret
    world.webhook.max_connections = get_int(params, "max_connections", 40) or 40
    allowed = get_json_list(params, "allowed_updates")
    if allowed is not None:
        world.webhook.allowed_updates = [str(a) for a in allowed]
        world.set_allowed_updates(world.webhook.allowed_updates)
    world.signal()
    return True


def delete_webhook(world: World, params: JsonDict, files: Files) -> Any:
    world.webhook.url = ""
    world.webhook.last_error_date = None
    world.webhook.last_error_message = None
    if get_bool(params, "drop_pending_updates"):
        world.drop_pending_updates()
    world.signal()
    return True


def get_webhook_info(world: World, params: JsonDict, files: Files) -> Any:
    hook = world.webhook
    info: JsonDict = {
        "url": hook.url,
        "has_custom_certificate": False,
        "pending_update_count": len(world.updates),
    }
    if hook.url:
        info["max_connections"] = hook.max_connections
        info["ip_address"] = "127.0.0.1"
        if hook.allowed_updates is not None:
            info["allowed_updates"] = list(hook.allowed_updates)
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message or ""
    return info


def close(world: World, params: JsonDict, files: Files) -> Any:
    return True


# --- sending and editing ----------------------------------------------------------------


def send_message(world: World, params: JsonDict, files: Files) -> Any:
    chat = _target_chat(world, params)
    formatted = _formatted(
        params, text_key="text", entities_key="entities", limit=MAX_TEXT_LENGTH, required=True
    )
    inline, other = _reply_markup(params)
    content = _common_content(world, chat, params)
    _put_text(content, formatted, "text", "entities")
    if inline is not None:
        content["reply_markup"] = inline
    _apply_keyboard(chat, other)
    return world.add_bot_message(chat, content)


def send_photo(world: World, params: JsonDict, files: Files) -> Any:
    chat = _target_chat(world, params)
    data, name, _, _ = _upload(world, params, files, "photo")
    if len(data) > MAX_PHOTO_BYTES:
        raise bad_request("PHOTO_SAVE_FILE_INVALID")
    size = image_size(data)
    if size is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    width, height = size
    if width + height > 10_000 or max(width, height) > 20 * max(1, min(width, height)):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    caption = _formatted(
        params,
        text_key="caption",
        entities_key="caption_entities",
        limit=MAX_CAPTION_LENGTH,
        required=False,
    )
    inline, other = _reply_markup(params)
    content = _common_content(world, chat, params)
    content["photo"] = world.store_photo(data, name, width, height)
    _put_text(content, caption, "caption", "caption_entities")
    if get_bool(params, "has_spoiler"):
        content["has_media_spoiler"] = True
    if inline is not None:
        content["reply_markup"] = inline
    _apply_keyboard(chat, other)
    return world.add_bot_message(chat, content)


def send_document(world: World, params: JsonDict, files: Files) -> Any:
    chat = _target_chat(world, params)
    data, name, content_type, existing = _upload(world, params, files, "document")
    caption = _formatted(
        params,
        text_key="caption",
        entities_key="caption_entities",
        limit=MAX_CAPTION_LENGTH,
        required=False,
    )
    inline, other = _reply_markup(params)
    file_name = name or "document"
    mime = content_type if content_type and content_type != "application/octet-stream" else None
    mime = mime or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
    extension = file_name.rsplit(".", 1)[-1] if "." in file_name else None
    stored = existing or world.store_file(
        data, "document", file_name=file_name, extension=extension
    )
    content = _common_content(world, chat, params)
    content["document"] = {
        "file_name": file_name,
        "mime_type": mime,
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(data),
    }
    _put_text(content, caption, "caption", "caption_entities")
    if inline is not None:
        content["reply_markup"] = inline
    _apply_keyboard(chat, other)
    return world.add_bot_message(chat, content)


def send_chat_action(world: World, params: JsonDict, files: Files) -> Any:
    chat = _target_chat(world, params)
    action = get_str(params, "action")
    if action not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat.actions.append(action)
    return True


def _editable(world: World, params: JsonDict) -> tuple[ChatState, int, JsonDict]:
    chat = _target_chat(world, params)
    message_id = _message_id(params)
    stored = chat.messages.get(message_id)
    if stored is None:
        raise bad_request("message to edit not found")
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    return chat, message_id, copy.deepcopy(stored.payload)


def _edit_markup(params: JsonDict) -> JsonDict | None:
    inline, other = _reply_markup(params)
    if other is not None:
        raise bad_request("inline keyboard expected")
    return inline


def edit_message_text(world: World, params: JsonDict, files: Files) -> Any:
    chat, message_id, payload = _editable(world, params)
    if "text" not in payload:
        raise bad_request("there is no text in the message to edit")
    formatted = _formatted(
        params, text_key="text", entities_key="entities", limit=MAX_TEXT_LENGTH, required=True
    )
    assert formatted is not None
    markup = _edit_markup(params)
    if (
        formatted.text == payload.get("text")
        and formatted.entities == payload.get("entities", [])
        and markup == payload.get("reply_markup")
    ):
        raise not_modified()
    _put_text(payload, formatted, "text", "entities")
    _set_markup(payload, markup)
    return world.replace_bot_message(chat, message_id, payload)


def edit_message_caption(world: World, params: JsonDict, files: Files) -> Any:
    chat, message_id, payload = _editable(world, params)
    if "text" in payload:
        raise bad_request("there is no caption in the message to edit")
    caption = _formatted(
        params,
        text_key="caption",
        entities_key="caption_entities",
        limit=MAX_CAPTION_LENGTH,
        required=False,
    )
    markup = _edit_markup(params)
    new_text = None if caption is None else caption.text
    new_entities = [] if caption is None else caption.entities
    if (
        new_text == payload.get("caption")
        and new_entities == payload.get("caption_entities", [])
        and markup == payload.get("reply_markup")
    ):
        raise not_modified()
    _put_text(payload, caption, "caption", "caption_entities")
    _set_markup(payload, markup)
    return world.replace_bot_message(chat, message_id, payload)


def edit_message_reply_markup(world: World, params: JsonDict, files: Files) -> Any:
    chat, message_id, payload = _editable(world, params)
    markup = _edit_markup(params)
    if markup == payload.get("reply_markup"):
        raise not_modified()
    _set_markup(payload, markup)
    return world.replace_bot_message(chat, message_id, payload)


def _set_markup(payload: JsonDict, markup: JsonDict | None) -> None:
    if markup is None:
        payload.pop("reply_markup", None)
    else:
        payload["reply_markup"] = markup


def delete_message(world: World, params: JsonDict, files: Files) -> Any:
    chat = _target_chat(world, params)
    if not world.delete_message(chat, _message_id(params)):
        raise bad_request("message to delete not found")
    return True


def delete_messages(world: World, params: JsonDict, files: Files) -> Any:
    chat = _target_chat(world, params)
    ids = get_json_list(params, "message_ids")
    if not ids or len(ids) > 100:
        raise bad_request("message identifiers are not specified")
    for message_id in ids:
        world.delete_message(chat, int(message_id))
    return True


def answer_callback_query(world: World, params: JsonDict, files: Files) -> Any:
    query_id = get_str(params, "callback_query_id")
    pending = world.callbacks.get(query_id or "")
    if pending is None or pending.answer is not None:
        raise query_invalid()
    text = get_str(params, "text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    pending.answer = CallbackAnswer(
        text=text,
        show_alert=get_bool(params, "show_alert"),
        url=get_str(params, "url"),
        cache_time=get_int(params, "cache_time"),
    )
    world.signal()
    return True


def get_file(world: World, params: JsonDict, files: Files) -> Any:
    file_id = get_str(params, "file_id") or ""
    stored = world.files.get(file_id)
    if stored is None:
        raise bad_request("invalid file_id")
    if len(stored.data) > MAX_DOWNLOAD_BYTES:
        raise bad_request("file is too big")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.file_path,
    }


METHODS: dict[str, Method] = {
    "getme": get_me,
    "logout": close,
    "close": close,
    "setwebhook": set_webhook,
    "deletewebhook": delete_webhook,
    "getwebhookinfo": get_webhook_info,
    "setmycommands": set_my_commands,
    "getmycommands": get_my_commands,
    "deletemycommands": delete_my_commands,
    "setchatmenubutton": set_chat_menu_button,
    "getchatmenubutton": get_chat_menu_button,
    "setmydescription": _bot_text("description", 512),
    "getmydescription": _bot_text_getter("description"),
    "setmyshortdescription": _bot_text("short_description", 120),
    "getmyshortdescription": _bot_text_getter("short_description"),
    "setmyname": _bot_text("name", 64),
    "getmyname": _bot_text_getter("name"),
    "getchat": get_chat,
    "sendmessage": send_message,
    "sendphoto": send_photo,
    "senddocument": send_document,
    "sendchataction": send_chat_action,
    "editmessagetext": edit_message_text,
    "editmessagecaption": edit_message_caption,
    "editmessagereplymarkup": edit_message_reply_markup,
    "deletemessage": delete_message,
    "deletemessages": delete_messages,
    "answercallbackquery": answer_callback_query,
    "getfile": get_file,
}


def call_method(world: World, method: str, params: JsonDict, files: Files) -> Any:
    """Run one synchronous Bot API method under the world lock."""
    handler = METHODS.get(method.lower())
    if handler is None:
        raise ApiError(404, "Not Found")
    with world.lock:
        return handler(world, params, files)
