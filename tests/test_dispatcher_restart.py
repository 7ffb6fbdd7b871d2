"""After a crash the restarted bot sends at once what its own previous run had claimed.

On both databases, with the stand-in Bot API and the dispatcher's clock held
10 seconds after the claims, well within their 2-minute lease: rows of a dead
previous run of this machine go out at the new run's first claim; rows of a
live process (a real one, started here), of this very process, or of another
machine wait for their lease, then go out once.
"""

# ruff: noqa: F811 - the fixtures imported below are used by name
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.claimer import Claimer, previous_runs, this_process
from bot.dispatcher import Dispatcher
from storage import outbox
from storage.db import Database
from storage.outbox import OutboxStatus
from tests.fakebotapi import FakeBotApi
from tests.test_dispatcher import (  # noqa: F401 - fixtures
    T0,
    FakeClock,
    MakeDispatcher,
    People,
    api,
    bot,
    clock,
    drain,
    enqueue_notices,
    make_dispatcher,
    people,
    rows,
    texts,
)

LEASE = timedelta(minutes=2)


def dead_pid() -> int:
    """The id of a process that has ended (``true``, waited for)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


@pytest.fixture
def other_bot_process() -> Iterator[int]:
    """A live process on this machine standing for a second bot: its pid is alive."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        yield process.pid
    finally:
        process.kill()
        process.wait()


async def claimed_by(db: Database, people: People, label: str) -> list[str]:
    """Three due notices, claimed at ``T0`` by ``label`` (and never sent: it crashed)."""
    keys = await enqueue_notices(db, people.beneficiaries)
    async with db.transaction() as session:
        claimed = await outbox.claim(session, limit=10, lease=LEASE, now=T0, claimer=label)
    assert len(claimed) == len(keys)
    return keys


def delivered(api: FakeBotApi, people: People) -> list[str]:
    return [text for tid in people.tids for text in texts(api, tid)]


async def restart_and_drain(make_dispatcher: MakeDispatcher, clock: FakeClock) -> Dispatcher:
    """The restarted bot's dispatcher, 10 s after the claims, once it has sent what it may."""
    clock.now = T0 + timedelta(seconds=10)
    dispatcher = make_dispatcher(clock)
    await drain(dispatcher)
    return dispatcher


async def test_a_dead_previous_run_of_this_machine_is_resent_at_once(
    db: Database, api: FakeBotApi, people: People, make_dispatcher: MakeDispatcher, clock: FakeClock
) -> None:
    me = this_process()
    keys = await claimed_by(db, people, Claimer(me.instance, dead_pid(), "0ldrun").label)
    await restart_and_drain(make_dispatcher, clock)
    assert sorted(delivered(api, people)) == sorted(f"Message {k}" for k in keys)
    assert {r.status for r in (await rows(db)).values()} == {OutboxStatus.SENT}


async def test_a_previous_process_under_this_very_pid_is_resent_at_once(
    db: Database, api: FakeBotApi, people: People, make_dispatcher: MakeDispatcher, clock: FakeClock
) -> None:
    """A container restarted as the same pid: same machine, same pid, another process."""
    me = this_process()
    keys = await claimed_by(db, people, Claimer(me.instance, os.getpid(), "0ldrun").label)
    await restart_and_drain(make_dispatcher, clock)
    assert len(delivered(api, people)) == len(keys)


@pytest.mark.parametrize("whose", ["another live process", "this process", "another machine"])
async def test_live_or_unknown_claims_wait_for_their_lease_then_go_once(
    whose: str,
    db: Database,
    api: FakeBotApi,
    people: People,
    make_dispatcher: MakeDispatcher,
    clock: FakeClock,
    other_bot_process: int,
) -> None:
    me = this_process()
    label = {
        "another live process": Claimer(me.instance, other_bot_process, "l1verun").label,
        "this process": me.label,
        "another machine": Claimer(me.instance + "-b", dead_pid(), "0ldrun").label,
    }[whose]
    keys = await claimed_by(db, people, label)
    dispatcher = await restart_and_drain(make_dispatcher, clock)
    assert delivered(api, people) == []
    assert {r.status for r in (await rows(db)).values()} == {OutboxStatus.CLAIMED}
    clock.now = T0 + LEASE + timedelta(seconds=1)
    await drain(dispatcher)
    assert sorted(delivered(api, people)) == sorted(f"Message {k}" for k in keys)


def test_a_claimer_reads_back_and_only_dead_runs_of_this_instance_are_previous() -> None:
    mine = this_process("rack|7")
    assert mine.instance == "rack_7" and Claimer.parse(mine.label) == mine
    assert Claimer.parse("no-pid-here") is None
    me = Claimer("rack_7", 4242, "abc")
    labels = [
        Claimer("rack_7", 17, "old").label,  # dead pid, our instance: previous
        Claimer("rack_7", 18, "other").label,  # live pid: another process
        Claimer("rack_7", 4242, "older").label,  # our pid, another process: previous
        Claimer("rack_7", 4242, "abc").label,  # ourselves
        Claimer("elsewhere", 17, "old").label,  # another machine
    ]
    assert previous_runs(me, labels, alive=lambda pid: pid == 18) == [labels[0], labels[2]]
