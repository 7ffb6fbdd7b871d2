"""Telegram unreachable for 30 s: the bot waits quietly, then catches up and sends once.

The stand-in Bot API refuses every connection for 30 s (``stop_accepting``)
while the real bot process runs. Just before, a beneficiary sends her dossier,
and the counsellor's notice meets a dropped connection, so the outbox row
falls due again in the middle of the outage. The bot must:

- not crash, and not spin: its CPU time over the outage stays under 10 % of
  one core (polling and the dispatcher back off instead of retrying in a
  loop);
- catch up: a message the beneficiary typed during the outage is answered
  once Telegram is back;
- send the notice that fell due during the outage exactly once after it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import psutil  # type: ignore[import-untyped]
import pytest

from tests.e2e.answering import answer, is_question, is_recap
from tests.e2e.conftest import BOT_USERNAME, COUNSELLOR_ID, TOKEN, start_polling
from tests.e2e.harness import BotEnvironment, BotProcess, wait_until
from tests.e2e.people import onboard
from tests.fakebotapi import FakeBotApi

OUTAGE_S = 30.0
MAX_CPU_SHARE = 0.10
# After the outage: python-telegram-bot polls again within its back-off (up to
# ~17 s by then), and the outbox row within its own: tried at 0, 10 and 30 s
# of the outage, the next try may come 40 s after the last failure.
CATCH_UP_S = 60.0


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi(token=TOKEN, bot_username=BOT_USERNAME) as server:
        yield server


@pytest.fixture
def environment(
    api: FakeBotApi, database_url: str, encryption_key: str, tmp_path: Path
) -> BotEnvironment:
    env = BotEnvironment(database_url, encryption_key, TOKEN, api.base_url, tmp_path)
    env.cli("db", "upgrade")
    env.cli("counsellor", "add", "--telegram-id", str(COUNSELLOR_ID), "--name", "Claire Martin")
    return env


def cpu_seconds(process: BotProcess) -> float:
    assert process.process is not None
    times = psutil.Process(process.process.pid).cpu_times()
    return float(times.user + times.system)


def notices(api: FakeBotApi) -> list[float]:
    """When Telegram accepted a "has completed" notice to the counsellor."""
    return [
        call.at
        for call in api.calls("sendMessage")
        if call.ok and call.chat_id == COUNSELLOR_ID and "a terminé" in str(call.params["text"])
    ]


# The outage is about the network, not the database: SQLite is enough.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_outage_of_30_s_then_catch_up(api: FakeBotApi, environment: BotEnvironment) -> None:
    bot = BotProcess(environment).start()
    start_polling(api, bot)
    paul = onboard(api, "Paul Durand", 5001)
    paul.send_command("menu")
    menu = paul.wait_for_reply(lambda m: m.has_button("dossier"))
    paul.press(menu.button("dossier").data or "", menu.message_id)
    paul.wait_for_reply(lambda m: "Commencer" in str(m.reply_markup))
    paul.press_button("Commencer")
    question = paul.wait_for_reply(is_question)
    while not is_recap(question):
        question = answer(paul, question)
    recap = paul.wait_for_reply(lambda m: "Envoyer" in str(m.reply_markup))

    # The notice's first send is held, then dropped when the outage begins.
    api.fail_next(1, "timeout", method="sendMessage", chat_id=COUNSELLOR_ID, delay_s=60)
    paul.press(next(d for d in recap.callback_data if d.endswith(":s")), recap.message_id)
    paul.wait_for_reply(lambda m: "C'est envoyé" in m.content)
    wait_until(
        lambda: any(c.chat_id == COUNSELLOR_ID for c in api.calls("sendMessage")), timeout=30
    )

    api.stop_accepting()
    outage_began = time.monotonic()
    # Dropped with the outage either way: the held answer must not outlive it.
    api.clear_faults()
    cpu_before = cpu_seconds(bot)
    time.sleep(OUTAGE_S / 3)
    during = paul.send_command("aide")  # typed while Telegram is unreachable
    time.sleep(outage_began + OUTAGE_S - time.monotonic())
    cpu_used = cpu_seconds(bot) - cpu_before
    assert bot.running(), bot.log()[-3000:]
    assert cpu_used < MAX_CPU_SHARE * OUTAGE_S, f"{cpu_used:.1f} s of CPU during the outage"
    assert not notices(api)
    api.resume()
    resumed = time.monotonic()

    help_text = paul.wait_for_reply(after=during, timeout=CATCH_UP_S)
    assert help_text.content
    caught_up = time.monotonic() - resumed
    wait_until(lambda: notices(api), timeout=CATCH_UP_S)
    time.sleep(3)  # a duplicate would come right behind
    sent = notices(api)
    assert len(sent) == 1, f"{len(sent)} notices"
    assert sent[0] > resumed
    print(
        f"\noutage {OUTAGE_S:.0f} s: {cpu_used:.2f} s CPU ({cpu_used / OUTAGE_S:.1%} of a core), "
        f"caught up {caught_up:.1f} s after, notice sent {sent[0] - resumed:.1f} s after"
    )
    bot.stop()
    assert_no_update_failed(bot.log())


def assert_no_update_failed(log: str) -> None:
    """No update ended in the error handler, nothing was left half-done at exit.

    Failed polls during the outage reach the error handler too, with no
    update ("error while handling update None"): those are the outage itself.
    """
    assert not re.search(r"error while handling update \d", log), log[-3000:]
    for marker in ("Task was destroyed", "RuntimeError", "Traceback"):
        assert marker not in log, log[-3000:]
