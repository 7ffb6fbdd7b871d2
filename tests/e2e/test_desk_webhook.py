"""Webhook mode with the desk on the same port: Telegram's updates and the desk's pages
reach one server (``bilan-bot run --webhook`` with ``DESK_PORT`` equal to ``--port``)."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request

from tests.e2e.conftest import COUNSELLOR_ID, TOKEN, assert_clean_log
from tests.e2e.harness import BIN, BotEnvironment, BotProcess, wait_until
from tests.e2e.people import onboard
from tests.e2e.test_desk import desk_up, free_port, signed_init_data
from tests.fakebotapi import FakeBotApi

SECRET = "webhook-secret-for-the-test"


class WebhookBot(BotProcess):
    def __init__(self, environment: BotEnvironment, port: int) -> None:
        super().__init__(environment, name="bot-webhook")
        self.port = port

    def start(self) -> WebhookBot:
        log = self.log_path.open("ab")
        url = f"http://127.0.0.1:{self.port}/telegram"
        where = ["--listen", "127.0.0.1", "--port", str(self.port), "--url", url]
        self.process = subprocess.Popen(
            [str(BIN), "run", "--webhook", *where],
            cwd=self.environment.workdir,
            env=self.environment.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        return self


def post(url: str, body: dict[str, object], headers: dict[str, str]) -> tuple[int, str, str]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            return answer.status, answer.headers.get("set-cookie", ""), answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, "", ""


def test_webhook_and_desk_share_one_port(api: FakeBotApi, environment: BotEnvironment) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment.extra.update({"DESK_PORT": str(port), "WEBHOOK_SECRET_TOKEN": SECRET})
    bot = WebhookBot(environment, port).start()
    try:
        wait_until(lambda: api.calls("setWebhook") and desk_up(base), timeout=40)
        assert api.webhook_info()["url"] == f"{base}/telegram"
        # Updates come through the webhook: a whole invitation and consent.
        paul = onboard(api, "Paul Durand", 5001)
        paul.send_command("menu")
        assert paul.wait_for_reply(lambda m: bool(m.flat_buttons))
        # Without Telegram's secret, the webhook path refuses.
        forged = {"update_id": 9, "message": {"message_id": 1, "date": 0, "chat": {"id": 1}}}
        assert post(f"{base}/telegram", forged, {})[0] == 403
        # The desk answers on the same port.
        status, cookie, _body = post(
            f"{base}/auth/telegram", {"init_data": signed_init_data(COUNSELLOR_ID, TOKEN)}, {}
        )
        assert status == 200 and "desk_session=" in cookie
        session = cookie.split(";", 1)[0]
        page = urllib.request.Request(f"{base}/caseload", headers={"Cookie": session})
        with urllib.request.urlopen(page, timeout=20) as answer:
            assert "Paul Durand" in answer.read().decode()
    finally:
        bot.stop()
    assert_clean_log(bot.log())


class DeskAlone(BotProcess):
    """``bilan-bot desk``: the desk in a process of its own, next to a bot elsewhere."""

    def start(self) -> DeskAlone:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(BIN), "desk"],
            cwd=self.environment.workdir,
            env=self.environment.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        return self


def test_the_desk_runs_alone_and_stops_on_sigint(environment: BotEnvironment) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment.extra.update({"DESK_PORT": str(port)})
    desk = DeskAlone(environment, name="desk").start()
    try:
        wait_until(lambda: desk_up(base), timeout=40)
        status, cookie, _body = post(
            f"{base}/auth/telegram", {"init_data": signed_init_data(COUNSELLOR_ID, TOKEN)}, {}
        )
        assert status == 200 and "desk_session=" in cookie
        refused = post(f"{base}/auth/telegram", {"init_data": signed_init_data(5001, TOKEN)}, {})
        assert refused[0] == 403
    finally:
        code = desk.stop()
    assert code == 0, desk.log()[-2000:]
    assert "Traceback" not in desk.log()
