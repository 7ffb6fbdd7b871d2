"""The control API: act as a user and read the chat over HTTP (``/_control/…``).

A client in another process — a terminal sandbox, a script, a second test
runner — drives the stand-in through these JSON routes exactly as the
in-process ``FakeUser`` does:

=========================  ==========================================================
``POST /_control/users``   ``{user_id, first_name?, last_name?, username?,
                           language_code?}`` → ``{"ok": true, "user": {...}}``
``POST /_control/send_text``  ``{user_id, text}`` → ``{"ok": true, "action": {...}}``
``POST /_control/press``   ``{user_id, callback_data? | label?, message_id?}`` →
                           action (by label: the latest bot message with such a button)
``POST /_control/edit_last``  ``{user_id, text}`` → action
``GET /_control/events``   ``?chat_id=&after=<cursor>&timeout=<s>`` → bot messages
                           sent/edited/deleted after the cursor, waiting up to
                           ``timeout`` for the first one: ``{"events": [...], "cursor": n}``
``GET /_control/messages``  ``?chat_id=`` → the chat's current bot messages
``GET /_control/calls``    ``?method=&after=`` → recorded Bot API calls
``GET /_control/files/{file_id}``  the bytes of a file
``POST /_control/fail_next``  ``{n, kind, method?, chat_id?, retry_after?, delay_s?,
                           performed?}``
``POST /_control/block`` / ``unblock``  ``{user_id}``
``POST /_control/outage``  ``{duration_s}``: refuse connections for that long (this
                           route answers before the outage begins)
``POST /_control/reset_faults``
=========================  ==========================================================

Errors answer ``{"ok": false, "error": "<reason>"}`` with status 400 or 404.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .errors import ApiError
from .faults import FaultRule
from .records import Action, BotMessage, FakeUserInfo, MessageEvent

if TYPE_CHECKING:
    from .server import ApiServer

JsonDict = dict[str, Any]
Route = Callable[[web.Request], Awaitable["JsonDict | web.StreamResponse"]]


class _BadControl(Exception):
    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def message_json(message: BotMessage) -> JsonDict:
    """A bot message for the control API (``raw`` is the Bot API Message)."""
    return {
        "chat_id": message.chat_id,
        "message_id": message.message_id,
        "from_bot": message.from_bot,
        "date": message.date,
        "text": message.text,
        "caption": message.caption,
        "edited": message.edited,
        "buttons": [
            [{"text": button.text, "data": button.data} for button in row]
            for row in message.buttons
        ],
        "file_name": message.file_name,
        "mime_type": message.mime_type,
        "has_photo": message.photo is not None,
        "has_document": message.document is not None,
        "raw": message.raw,
    }


def event_json(event: MessageEvent) -> JsonDict:
    return {
        "seq": event.seq,
        "kind": event.kind,
        "chat_id": event.chat_id,
        "message_id": event.message_id,
        "message": message_json(event.message),
    }


def action_json(action: Action) -> JsonDict:
    return asdict(action)


def _int(body: JsonDict, name: str, default: int | None = None) -> int:
    value = body.get(name, default)
    if value is None:
        raise _BadControl(f"{name} is required")
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise _BadControl(f"{name} must be an integer") from exc


def _str(body: JsonDict, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise _BadControl(f"{name} is required")
    return value


async def _json_body(request: web.Request) -> JsonDict:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError as exc:
        raise _BadControl("the body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise _BadControl("the body must be a JSON object")
    return body


def add_routes(app: web.Application, server: ApiServer) -> None:
    world = server.world

    def handler(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            try:
                result = await route(request)
            except _BadControl as exc:
                return web.json_response({"ok": False, "error": exc.reason}, status=exc.status)
            except ApiError as exc:
                return web.json_response({"ok": False, "error": exc.description}, status=404)
            except LookupError as exc:
                return web.json_response({"ok": False, "error": str(exc)}, status=404)
            except ValueError as exc:
                return web.json_response({"ok": False, "error": str(exc)}, status=400)
            if isinstance(result, web.StreamResponse):
                return result
            return web.json_response({"ok": True, **result})

        return wrapped

    async def users(request: web.Request) -> JsonDict:
        body = await _json_body(request)
        info = FakeUserInfo(
            user_id=_int(body, "user_id"),
            first_name=str(body.get("first_name") or "Test"),
            last_name=body.get("last_name"),
            username=body.get("username"),
            language_code=body.get("language_code"),
        )
        world.add_user(info)
        return {"user": info.user_json()}

    async def send_text(request: web.Request) -> JsonDict:
        body = await _json_body(request)
        action = world.user_text(_int(body, "user_id"), _str(body, "text"))
        return {"action": action_json(action)}

    async def press(request: web.Request) -> JsonDict:
        body = await _json_body(request)
        user_id = _int(body, "user_id")
        data = body.get("callback_data")
        label = body.get("label")
        message_id = body.get("message_id")
        if isinstance(label, str):
            message = world.latest_bot_message(user_id, lambda m: m.has_button(label))
            if message is None:
                raise LookupError("no bot message carries such a button")
            button = message.button(label)
            if button.data is None or button.is_url:
                raise _BadControl("that button does not send a callback")
            data, message_id = button.data, message_id or message.message_id
        if not isinstance(data, str):
            raise _BadControl("callback_data or label is required")
        if message_id is None:
            wanted = data
            found = world.latest_bot_message(user_id, lambda m: wanted in m.callback_data)
            if found is None:
                raise LookupError("no bot message carries such a button")
            message_id = found.message_id
        action = world.user_press(user_id, data, int(message_id))
        return {"action": action_json(action)}

    async def edit_last(request: web.Request) -> JsonDict:
        body = await _json_body(request)
        action = world.user_edit_last_text(_int(body, "user_id"), _str(body, "text"))
        return {"action": action_json(action)}

    async def events(request: web.Request) -> JsonDict:
        chat_id = request.query.get("chat_id")
        after = int(request.query.get("after", "0"))
        timeout = min(float(request.query.get("timeout", "0")), 60.0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout

        def select() -> list[MessageEvent]:
            return [
                event
                for event in world.events
                if event.seq > after and (chat_id is None or event.chat_id == int(chat_id))
            ]

        while True:
            with world.lock:
                found = select()
                cursor = world.seq
            if found or loop.time() >= deadline:
                return {"events": [event_json(e) for e in found], "cursor": cursor}
            await server.wait_for_change(deadline - loop.time())

    async def messages(request: web.Request) -> JsonDict:
        chat_id = int(request.query.get("chat_id", "0"))
        with world.lock:
            chat = world.chat(chat_id)
            current = [
                world.snapshot(chat.messages[mid])
                for mid in sorted(chat.messages)
                if chat.messages[mid].from_bot
            ]
        return {"messages": [message_json(m) for m in current]}

    async def calls(request: web.Request) -> JsonDict:
        method = request.query.get("method")
        after = int(request.query.get("after", "0"))
        with world.lock:
            selected = [
                {
                    "seq": call.seq,
                    "method": call.method,
                    "params": call.params,
                    "files": sorted(call.files),
                    "status": call.status,
                    "fault": call.fault,
                }
                for call in world.calls
                if call.seq > after and (method is None or call.method.lower() == method.lower())
            ]
        return {"calls": selected}

    async def files(request: web.Request) -> web.StreamResponse:
        stored = world.files.get(request.match_info["file_id"])
        if stored is None:
            raise LookupError("no such file")
        return web.Response(body=stored.data, content_type="application/octet-stream")

    async def fail_next(request: web.Request) -> JsonDict:
        body = await _json_body(request)
        chat_id = body.get("chat_id")
        rule = FaultRule(
            kind=str(body.get("kind", "")),
            remaining=_int(body, "n", 1),
            method=None if body.get("method") is None else str(body["method"]).lower(),
            chat_id=None if chat_id is None else int(chat_id),
            retry_after=_int(body, "retry_after", 1),
            delay_s=float(body.get("delay_s", 30.0)),
            performed=bool(body.get("performed", False)),
        )
        try:
            world.faults.add(rule)
        except ValueError as exc:
            raise _BadControl(str(exc)) from exc
        return {}

    async def block(request: web.Request) -> JsonDict:
        world.set_blocked(_int(await _json_body(request), "user_id"), True)
        return {}

    async def unblock(request: web.Request) -> JsonDict:
        world.set_blocked(_int(await _json_body(request), "user_id"), False)
        return {}

    async def outage(request: web.Request) -> web.StreamResponse:
        body = await _json_body(request)
        duration = float(body.get("duration_s", 1.0))
        response = web.json_response({"ok": True})
        await response.prepare(request)
        await response.write_eof()
        server.schedule_outage(duration)
        return response

    async def reset_faults(request: web.Request) -> JsonDict:
        world.faults.clear()
        return {}

    async def file_upload(request: web.Request) -> JsonDict:
        """``{user_id, file_name, data_base64, caption?}``: the user sends a document."""
        body = await _json_body(request)
        user_id = _int(body, "user_id")
        data = base64.b64decode(_str(body, "data_base64"))
        file_name = _str(body, "file_name")
        stored = world.store_file(data, "document", file_name=file_name)
        content: JsonDict = {
            "document": {
                "file_name": file_name,
                "mime_type": body.get("mime_type") or "application/octet-stream",
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(data),
            }
        }
        if isinstance(body.get("caption"), str):
            content["caption"] = body["caption"]
        return {"action": action_json(world.user_message(user_id, content, "document"))}

    routes: list[tuple[str, str, Route]] = [
        ("POST", "/_control/users", users),
        ("POST", "/_control/send_text", send_text),
        ("POST", "/_control/press", press),
        ("POST", "/_control/edit_last", edit_last),
        ("POST", "/_control/send_document", file_upload),
        ("GET", "/_control/events", events),
        ("GET", "/_control/messages", messages),
        ("GET", "/_control/calls", calls),
        ("GET", "/_control/files/{file_id}", files),
        ("POST", "/_control/fail_next", fail_next),
        ("POST", "/_control/block", block),
        ("POST", "/_control/unblock", unblock),
        ("POST", "/_control/outage", outage),
        ("POST", "/_control/reset_faults", reset_faults),
    ]
    for verb, path, route in routes:
        app.router.add_route(verb, path, handler(route))
