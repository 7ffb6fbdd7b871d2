"""The HTTP side: an aiohttp server on 127.0.0.1 in a thread of its own.

The server has its own event loop in a background thread so that the same
stand-in serves a bot running in a pytest-asyncio loop, in another thread or
in another process, while sync and async tests read its state. Routes:

- ``/bot<token>/<method>`` (GET or POST; query string, JSON, form or
  multipart): the Bot API; a wrong token answers 401, an unknown method 404;
- ``/file/bot<token>/<file_path>``: file downloads, as ``getFile`` describes;
- ``/_control/…``: the control API of ``control.py``.

An outage (``stop_accepting``) tears the listener down and drops every open
connection, in-flight requests included, so clients see refused connections;
``resume`` listens again on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from . import control
from .errors import (
    ApiError,
    bad_request,
    blocked,
    conflict_polling,
    conflict_webhook,
    internal,
    method_not_found,
    too_large,
    too_many_requests,
    unauthorized,
)
from .faults import BLOCKABLE_METHODS, SEND_METHODS, FaultRule
from .methods import MAX_UPLOAD_BYTES, METHODS, call_method
from .params import get_int, get_json_list, normalize
from .records import Call, UploadedFile
from .world import World

JsonDict = dict[str, Any]
T = TypeVar("T")

_BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class _DropConnection(Exception):
    """Close the connection without answering."""


class _RawAnswer(Exception):
    """Answer with this exact response (e.g. nginx's HTML 502 page)."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def is_loopback_url(url: str) -> bool:
    return (urlsplit(url).hostname or "") in _LOOPBACK_HOSTS


class ApiServer:
    """Runs the routes for one ``World`` on 127.0.0.1; start/stop from any thread."""

    def __init__(self, world: World, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in _LOOPBACK_HOSTS:
            raise ValueError("the stand-in only listens on the loopback interface")
        self.world = world
        self.host = host
        self.port = port
        self.webhook_retry_s = 0.5
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._outage_task: asyncio.Task[None] | None = None

    # --- life cycle (called from test threads) ------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("already started")
        self._ready.clear()
        self._startup_error = None
        with self.world.lock:
            self.world.closing = False
        self._thread = threading.Thread(target=self._run, name="fakebotapi", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._startup_error is not None:
            self._thread.join(5)
            self._thread = None
            raise RuntimeError("the stand-in Bot API server could not start") from (
                self._startup_error
            )

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if not loop.is_closed():
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(15)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(15)
        self._thread = None
        self._loop = None

    def run_sync(self, make: Callable[[], Awaitable[T]], timeout: float = 15) -> T:
        """Run a coroutine on the server loop from another thread and wait for it."""
        if self._loop is None:
            raise RuntimeError("the stand-in server is not running")

        async def runner() -> T:
            return await make()

        return asyncio.run_coroutine_threadsafe(runner(), self._loop).result(timeout)

    @property
    def accepting(self) -> bool:
        return self._runner is not None

    def stop_accepting(self) -> None:
        self.run_sync(self.outage_begin)

    def resume(self) -> None:
        self.run_sync(self.outage_end)

    # --- inside the loop thread ---------------------------------------------------------

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._listen())
            self._webhook_task = loop.create_task(self._deliver_webhooks())
        except BaseException as exc:  # reported to start()
            self._startup_error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def _make_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 10 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._bot_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        control.add_routes(app, self)
        return app

    async def _listen(self) -> None:
        runner = web.AppRunner(self._make_app(), access_log=None, shutdown_timeout=0.1)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self.port = site.port
        self._runner = runner

    async def outage_begin(self) -> None:
        """Close the listening socket and every open connection."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def outage_end(self) -> None:
        if self._runner is None:
            await self._listen()

    def schedule_outage(self, duration_s: float) -> None:
        """From the loop: begin an outage at the next turn, end it after ``duration_s``."""

        async def run() -> None:
            await asyncio.sleep(0.05)  # let the answer that asked for it leave first
            await self.outage_begin()
            await self.sleep_unless_closing(duration_s)
            if not self.world.closing:
                await self.outage_end()

        self._outage_task = asyncio.get_running_loop().create_task(run())

    async def _shutdown(self) -> None:
        with self.world.lock:
            self.world.closing = True
            self.world.signal()
        for task in (self._webhook_task, self._outage_task):
            if task is not None and not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        await self.outage_begin()

    async def sleep_unless_closing(self, delay_s: float) -> None:
        """Sleep, but wake at once when the server stops."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + delay_s
        while True:
            with self.world.lock:
                remaining = deadline - loop.time()
                if self.world.closing or remaining <= 0:
                    return
                future = self.world.register_async_waiter(loop)
            try:
                await asyncio.wait_for(future, remaining)
            except TimeoutError:
                return

    async def wait_for_change(self, timeout: float) -> None:
        """Wait for the next World.signal() (or the timeout)."""
        loop = asyncio.get_running_loop()
        with self.world.lock:
            if self.world.closing:
                return
            future = self.world.register_async_waiter(loop)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(future, max(timeout, 0))

    # --- the Bot API ----------------------------------------------------------------------

    async def _bot_api(self, request: web.Request) -> web.StreamResponse:
        world = self.world
        method = request.match_info["method"]
        try:
            raw, files = await _read_parameters(request)
            params = normalize(raw)
        except ApiError as error:
            return web.json_response(error.body(), status=error.code, dumps=_dumps)
        call = world.record_call(method, params, files)
        try:
            if request.match_info["token"] != world.token:
                raise unauthorized()
            result = await self._serve(call, method.lower(), params, files)
        except ApiError as error:
            body = error.body()
            world.finish_call(call, error.code, body)
            return web.json_response(body, status=error.code, dumps=_dumps)
        except _RawAnswer as answer:
            world.finish_call(call, answer.response.status, None)
            return answer.response
        except _DropConnection:
            world.finish_call(call, None, None)
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)  # never reaches the client
        body = {"ok": True, "result": result}
        world.finish_call(call, 200, body)
        return web.json_response(body, dumps=_dumps)

    async def _serve(self, call: Call, method: str, params: JsonDict, files: dict[str, Any]) -> Any:
        world = self.world
        faults = world.faults
        if faults.latency_s > 0:
            await asyncio.sleep(faults.latency_s)
        if method not in METHODS and method != "getupdates":
            raise method_not_found()
        rule = faults.take(method, call.chat_id)
        if rule is not None:
            call.fault = rule.kind
            await self._apply_fault(rule, method, params, files)
        if method in BLOCKABLE_METHODS and faults.is_blocked(call.chat_id):
            raise blocked()
        if method in SEND_METHODS:
            retry_after = faults.admit_send(call.chat_id, time.monotonic())
            if retry_after is not None:
                call.fault = "rate_limit"
                raise too_many_requests(retry_after)
        if method == "getupdates":
            return await self._get_updates(params)
        return call_method(world, method, params, files)

    async def _apply_fault(
        self, rule: FaultRule, method: str, params: JsonDict, files: dict[str, Any]
    ) -> None:
        if rule.kind == "429":
            raise too_many_requests(rule.retry_after)
        if rule.kind == "500":
            raise internal()
        if rule.kind == "403":
            raise blocked()
        if rule.kind == "502":
            raise _RawAnswer(
                web.Response(status=502, text=_BAD_GATEWAY_HTML, content_type="text/html")
            )
        if rule.performed and method in METHODS:
            with contextlib.suppress(ApiError):
                call_method(self.world, method, params, files)
        if rule.kind == "timeout":
            await self.sleep_unless_closing(rule.delay_s)
        raise _DropConnection()

    async def _get_updates(self, params: JsonDict) -> list[JsonDict]:
        world = self.world
        loop = asyncio.get_running_loop()
        offset = get_int(params, "offset")
        limit = min(max(get_int(params, "limit", 100) or 100, 1), 100)
        raw_timeout = params.get("timeout") or 0
        timeout = float(raw_timeout) if isinstance(raw_timeout, int | float) else 0.0
        allowed = get_json_list(params, "allowed_updates")
        with world.lock:
            if world.webhook.url:
                raise conflict_webhook()
            world.poll_generation += 1
            generation = world.poll_generation
            world.set_allowed_updates(None if allowed is None else [str(a) for a in allowed])
            world.confirm_updates(offset)
            world.signal()
        deadline = loop.time() + max(timeout, 0.0)
        while True:
            with world.lock:
                if world.poll_generation != generation:
                    raise conflict_polling()
                updates = world.peek_updates(limit)
                remaining = deadline - loop.time()
                if updates or world.closing or remaining <= 0:
                    return updates
                future = world.register_async_waiter(loop)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(future, remaining)

    async def _download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.world.token:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        stored = self.world.file_by_path(request.match_info["path"])
        if stored is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(body=stored.data, content_type="application/octet-stream")

    # --- webhook delivery -------------------------------------------------------------------

    async def _deliver_webhooks(self) -> None:
        """POST pending updates to a loopback webhook, one at a time, in order."""
        world = self.world
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while True:
                with world.lock:
                    if world.closing:
                        return
                    url = world.webhook.url
                    secret = world.webhook.secret_token
                    head = world.peek_updates(1) if url and is_loopback_url(url) else []
                if not head:
                    await self.wait_for_change(60)
                    continue
                update = head[0]
                headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
                error: str | None = None
                try:
                    async with session.post(url, json=update, headers=headers) as response:
                        if not 200 <= response.status < 300:
                            error = (
                                "Wrong response from the webhook: "
                                f"{response.status} {response.reason or ''}".rstrip()
                            )
                except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                    error = f"Connection failed: {type(exc).__name__}"
                with world.lock:
                    if error is None:
                        world.updates = [u for u in world.updates if u[0] != update["update_id"]]
                        world.webhook.delivered += 1
                    else:
                        world.webhook.last_error_date = world.now()
                        world.webhook.last_error_message = error
                    world.signal()
                if error is not None:
                    await self.sleep_unless_closing(self.webhook_retry_s)


async def _read_parameters(request: web.Request) -> tuple[JsonDict, dict[str, UploadedFile]]:
    """Parameters from the query string and a JSON, form or multipart body."""
    raw: JsonDict = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if not request.can_read_body:
        return raw, files
    content_type = request.content_type
    try:
        if content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise bad_request("can't parse JSON object")
            raw.update(body)
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = UploadedFile(
                        field=key,
                        file_name=value.filename,
                        content_type=value.content_type,
                        data=value.file.read(),
                    )
                else:
                    raw[key] = value
    except web.HTTPRequestEntityTooLarge as exc:
        raise too_large() from exc
    except ValueError as exc:
        raise bad_request("can't parse JSON object") from exc
    return raw, files
