"""Bot API error answers, worded as Telegram words them.

Handlers in the bot branch on these texts (``message is not modified`` is
harmless, ``bot was blocked by the user`` stops the pings), so the stand-in
uses Telegram's exact descriptions and HTTP status codes.
"""

from __future__ import annotations

from typing import Any

JsonDict = dict[str, Any]


class ApiError(Exception):
    """A refusal the server answers as ``{"ok": false, "error_code", "description"}``."""

    def __init__(self, code: int, description: str, parameters: JsonDict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(
        429,
        f"Too Many Requests: retry after {retry_after}",
        {"retry_after": retry_after},
    )


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized")


def method_not_found() -> ApiError:
    return ApiError(404, "Not Found")


def blocked() -> ApiError:
    return ApiError(403, "Forbidden: bot was blocked by the user")


def internal() -> ApiError:
    return ApiError(500, "Internal Server Error")


def too_large() -> ApiError:
    return ApiError(413, "Request Entity Too Large")


def chat_not_found() -> ApiError:
    return bad_request("chat not found")


def not_modified() -> ApiError:
    return bad_request(
        "message is not modified: specified new message content and reply markup are exactly "
        "the same as a current content and reply markup of the message"
    )


def button_data_invalid() -> ApiError:
    return bad_request("BUTTON_DATA_INVALID")


def query_invalid() -> ApiError:
    return bad_request("query is too old and response timeout expired or query ID is invalid")


def conflict_polling() -> ApiError:
    return ApiError(
        409,
        "Conflict: terminated by other getUpdates request; make sure that only one bot "
        "instance is running",
    )


def conflict_webhook() -> ApiError:
    return ApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
        "delete the webhook first",
    )
