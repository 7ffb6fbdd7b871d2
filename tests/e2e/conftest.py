"""End-to-end fixtures: the stand-in Bot API server and the real bot process."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import BotEnvironment, BotProcess, wait_until
from tests.fakebotapi import FakeBotApi

TOKEN = "123456789:TEST-token-for-the-stand-in-server"
BOT_USERNAME = "bilan_test_bot"
COUNSELLOR_ID = 111


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi(token=TOKEN, bot_username=BOT_USERNAME) as server:
        yield server


@pytest.fixture
def environment(
    api: FakeBotApi, database_url: str, encryption_key: str, tmp_path: Path
) -> BotEnvironment:
    """A migrated database with one counsellor, added by the administrator's command line."""
    env = BotEnvironment(
        database_url=database_url,
        encryption_key=encryption_key,
        token=TOKEN,
        api_base_url=api.base_url,
        workdir=tmp_path,
    )
    env.cli("db", "upgrade")
    env.cli("counsellor", "add", "--telegram-id", str(COUNSELLOR_ID), "--name", "Claire Martin")
    return env


@pytest.fixture
def bot(api: FakeBotApi, environment: BotEnvironment) -> Iterator[BotProcess]:
    """The bot running, polling the stand-in server; its log must show no error at the end."""
    process = BotProcess(environment).start()
    try:
        start_polling(api, process)
        yield process
        # Stopping while polling is still starting trips python-telegram-bot's shutdown.
        wait_until(lambda: api.calls("getUpdates"), timeout=15)
    finally:
        process.stop()
    assert_clean_log(process.log())


def assert_clean_log(log: str) -> None:
    """No update ended in the error handler and nothing was left half-done at exit.

    Network hiccups that python-telegram-bot retries by itself (a slow
    getUpdates on a loaded machine) are logged too, and are not failures.
    """
    for marker in ("error while handling update", "Task was destroyed", "RuntimeError"):
        assert marker not in log, log[-3000:]


def start_polling(api: FakeBotApi, process: BotProcess) -> None:
    """Wait until the bot has set itself up; it polls right after ``deleteWebhook``."""
    deadline = time.monotonic() + 30
    while not api.calls("deleteWebhook") and process.running() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not api.calls("deleteWebhook"):
        raise AssertionError(f"bot did not start polling:\n{process.log()[-3000:]}")
