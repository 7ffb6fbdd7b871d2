"""Request parameters, read the same whatever the transport.

python-telegram-bot sends form fields (every value a string, structured
values JSON-encoded) and multipart when a file is attached; other clients
send JSON bodies or query strings. Telegram reads them all alike, and so do
we: this module turns any of them into one typed dict, so methods and the
recorded calls see ``chat_id`` as an int and ``reply_markup`` as a dict.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .errors import bad_request

JsonDict = dict[str, Any]

_STRUCTURED = frozenset(
    {
        "reply_markup", "entities", "caption_entities", "commands", "scope", "menu_button",
        "allowed_updates", "link_preview_options", "reply_parameters", "media", "message_ids",
        "options", "results",
    }
)  # fmt: skip
_INTEGERS = frozenset(
    {
        "chat_id", "message_id", "offset", "limit", "cache_time", "reply_to_message_id",
        "user_id", "max_connections", "message_thread_id", "from_chat_id", "duration",
        "width", "height", "until_date",
    }
)  # fmt: skip
_NUMBERS = frozenset({"timeout", "latitude", "longitude"})
_BOOLEANS = frozenset(
    {
        "disable_notification", "protect_content", "show_alert", "drop_pending_updates",
        "disable_web_page_preview", "allow_sending_without_reply", "has_spoiler",
        "disable_content_type_detection", "show_caption_above_media", "is_personal",
        "allow_paid_broadcast",
    }
)  # fmt: skip

_JSON_ERRORS = {
    "reply_markup": "can't parse reply keyboard markup JSON object",
    "entities": "can't parse entities JSON object",
    "caption_entities": "can't parse entities JSON object",
    "commands": "can't parse commands JSON object",
    "allowed_updates": "can't parse allowed updates JSON object",
}


def _decode_structured(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError as exc:
        raise bad_request(_JSON_ERRORS.get(name, f"can't parse {name} JSON object")) from exc


def _to_int(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.lstrip("-+").isdigit():
            return int(stripped)
    return value  # e.g. "@channel": left for the method to refuse


def _to_number(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() else number
    return value


def _to_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return value


def normalize(raw: Mapping[str, Any]) -> JsonDict:
    """Typed parameters from raw transport values; ApiError on malformed JSON fields."""
    params: JsonDict = {}
    for name, value in raw.items():
        if name in _STRUCTURED:
            params[name] = _decode_structured(name, value)
        elif name in _INTEGERS:
            params[name] = _to_int(value)
        elif name in _NUMBERS:
            params[name] = _to_number(value)
        elif name in _BOOLEANS:
            params[name] = _to_bool(value)
        else:
            params[name] = value
    return params


def require(params: JsonDict, name: str, error: str | None = None) -> Any:
    value = params.get(name)
    if value is None or value == "":
        raise bad_request(error or f"{name} is empty")
    return value


def get_int(params: JsonDict, name: str, default: int | None = None) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise bad_request(f"invalid {name} specified")


def get_str(params: JsonDict, name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def get_bool(params: JsonDict, name: str) -> bool:
    return bool(params.get(name) or False)


def get_json_list(params: JsonDict, name: str) -> list[Any] | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, list):
        raise bad_request(_JSON_ERRORS.get(name, f"can't parse {name} JSON object"))
    return value


def get_json_dict(params: JsonDict, name: str) -> JsonDict | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, dict):
        raise bad_request(_JSON_ERRORS.get(name, f"can't parse {name} JSON object"))
    return value
