"""A bot process a test forgot to stop is stopped by the autouse fixture's helper."""

from __future__ import annotations

from tests.e2e.conftest import start_polling
from tests.e2e.harness import BotEnvironment, BotProcess, stop_leftovers
from tests.fakebotapi import FakeBotApi


def test_a_bot_left_running_is_stopped(api: FakeBotApi, environment: BotEnvironment) -> None:
    forgotten = BotProcess(environment).start()
    start_polling(api, forgotten)
    assert forgotten.running()
    assert stop_leftovers() == 1
    assert not forgotten.running()
    assert stop_leftovers() == 0
