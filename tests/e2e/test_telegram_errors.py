"""Telegram refuses the token, or cannot be reached: one line that says what to check.

The real ``bilan-bot`` runs as a subprocess against the stand-in Bot API (which
answers 401 to a token it does not know) or against a loopback port where
nothing listens. Whatever happens, the token never reaches the terminal.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import COUNSELLOR_ID, TOKEN
from tests.e2e.harness import BIN, BotEnvironment
from tests.fakebotapi import FakeBotApi

WRONG_TOKEN = "987654321:WRONG-token-that-the-server-does-not-know"


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def assert_one_line(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 2, output
    lines = output.splitlines()
    assert len(lines) == 1, output
    for secret in (TOKEN, WRONG_TOKEN, TOKEN.split(":")[1], WRONG_TOKEN.split(":")[1]):
        assert secret not in output
    for needle in needles:
        assert needle in lines[0], output
    return lines[0]


def invite(environment: BotEnvironment) -> subprocess.CompletedProcess[str]:
    return environment.cli(
        "invite", "--counsellor", str(COUNSELLOR_ID), "--name", "Paul Durand", check=False
    )


@pytest.mark.parametrize("command", ["run", "invite"])
def test_a_refused_token_is_one_line_without_the_token(
    environment: BotEnvironment, command: str
) -> None:
    environment.extra["TELEGRAM_BOT_TOKEN"] = WRONG_TOKEN
    result = invite(environment) if command == "invite" else environment.cli("run", check=False)
    assert_one_line(result, "refused TELEGRAM_BOT_TOKEN", "@BotFather")


def test_invite_without_network_is_one_line_and_leaves_no_invitation(
    environment: BotEnvironment, api: FakeBotApi
) -> None:
    environment.extra["TELEGRAM_API_BASE_URL"] = f"http://127.0.0.1:{free_port()}/bot"
    assert_one_line(invite(environment), "cannot reach the Bot API at 127.0.0.1:", "network")
    # Once Telegram answers, the invitation is made: the failed one left nothing behind.
    environment.extra.pop("TELEGRAM_API_BASE_URL")
    assert invite(environment).stdout.startswith("https://t.me/bilan_test_bot?start=")


def test_invite_gives_up_on_a_server_that_never_answers(environment: BotEnvironment) -> None:
    """A port that takes the connection and never says a word: ``invite`` stops by itself."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        environment.extra["TELEGRAM_API_BASE_URL"] = f"http://127.0.0.1:{port}/bot"
        assert_one_line(invite(environment), f"cannot reach the Bot API at 127.0.0.1:{port}")


def test_run_waits_for_the_network_then_starts(environment: BotEnvironment) -> None:
    """``run`` says in one line per try that it waits, and starts once the Bot API answers."""
    port = free_port()
    environment.extra["TELEGRAM_API_BASE_URL"] = f"http://127.0.0.1:{port}/bot"
    stderr = environment.workdir / "run.err"
    with stderr.open("wb") as sink:
        process = subprocess.Popen(
            [str(BIN), "run"],
            cwd=environment.workdir,
            env=environment.env(),
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    try:
        wait_for(lambda: stderr.read_text().count("trying again") >= 2, process, stderr)
        waiting = stderr.read_text().splitlines()
        assert waiting[0].startswith(f"bilan-bot: cannot reach the Bot API at 127.0.0.1:{port}")
        assert all("trying again" in line for line in waiting)
        with FakeBotApi(token=TOKEN, bot_username="bilan_test_bot", port=port) as api:
            wait_for(lambda: bool(api.calls("getUpdates")), process, stderr, timeout=120)
            process.terminate()
            assert process.wait(60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    log = stderr.read_text()
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert "Traceback" not in log, log[-3000:]


def wait_for(
    condition: object, process: subprocess.Popen[bytes], log: Path, timeout: float = 90
) -> None:
    """Wait on a condition (not a fixed sleep), failing early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        if process.poll() is not None:
            raise AssertionError(f"bilan-bot run stopped:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)
    raise AssertionError(f"condition not met in time:\n{log.read_text()[-3000:]}")
