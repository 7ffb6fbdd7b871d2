"""A small client of the control API, standard library only.

For programs that act as a user from another process (a terminal sandbox,
a load script): no aiohttp, no event loop, just blocking JSON requests to
``http://127.0.0.1:<port>/_control``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

JsonDict = dict[str, Any]


class ControlError(RuntimeError):
    """The control API refused a request."""


class ControlClient:
    def __init__(self, control_url: str, timeout: float = 30.0) -> None:
        parts = urllib.parse.urlsplit(control_url)
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the control API is only reachable on the loopback interface")
        self.control_url = control_url.rstrip("/")
        self.timeout = timeout

    def _request(
        self, verb: str, route: str, body: JsonDict | None = None, query: JsonDict | None = None
    ) -> JsonDict:
        url = f"{self.control_url}/{route}"
        if query:
            clean = {k: v for k, v in query.items() if v is not None}
            url += "?" + urllib.parse.urlencode(clean)
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(url, data=data, method=verb)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            detail = json.loads(exc.read().decode("utf-8") or "{}").get("error", exc.reason)
            raise ControlError(f"{route}: {detail}") from exc
        if not isinstance(answer, dict):
            raise ControlError(f"{route}: unexpected answer")
        return answer

    def add_user(
        self, user_id: int, first_name: str = "Paul", language_code: str | None = "fr"
    ) -> JsonDict:
        body = {"user_id": user_id, "first_name": first_name, "language_code": language_code}
        return dict(self._request("POST", "users", body)["user"])

    def send_text(self, user_id: int, text: str) -> JsonDict:
        return dict(
            self._request("POST", "send_text", {"user_id": user_id, "text": text})["action"]
        )

    def press(
        self,
        user_id: int,
        *,
        callback_data: str | None = None,
        label: str | None = None,
        message_id: int | None = None,
    ) -> JsonDict:
        body = {
            "user_id": user_id,
            "callback_data": callback_data,
            "label": label,
            "message_id": message_id,
        }
        return dict(self._request("POST", "press", body)["action"])

    def events(
        self, chat_id: int | None = None, after: int = 0, timeout: float = 0.0
    ) -> tuple[list[JsonDict], int]:
        """Bot message events after the cursor (waiting up to ``timeout`` for one),
        and the cursor to pass next time."""
        query = {"chat_id": chat_id, "after": after, "timeout": timeout}
        answer = self._request("GET", "events", query=query)
        return list(answer["events"]), int(answer["cursor"])

    def messages(self, chat_id: int) -> list[JsonDict]:
        return list(self._request("GET", "messages", query={"chat_id": chat_id})["messages"])

    def calls(self, method: str | None = None, after: int = 0) -> list[JsonDict]:
        return list(
            self._request("GET", "calls", query={"method": method, "after": after})["calls"]
        )

    def fail_next(self, n: int, kind: str, method: str | None = None, **options: Any) -> None:
        self._request("POST", "fail_next", {"n": n, "kind": kind, "method": method, **options})

    def block(self, user_id: int) -> None:
        self._request("POST", "block", {"user_id": user_id})

    def unblock(self, user_id: int) -> None:
        self._request("POST", "unblock", {"user_id": user_id})

    def outage(self, duration_s: float) -> None:
        self._request("POST", "outage", {"duration_s": duration_s})

    def reset_faults(self) -> None:
        self._request("POST", "reset_faults", {})
