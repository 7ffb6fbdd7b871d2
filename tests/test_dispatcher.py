"""The dispatcher against the stand-in Bot API: sends, faults, blocking, quiet hours, pacing.

Every failure path is checked for what a person would see: the message
arrives once (never zero times, never twice), or, when it cannot arrive, the
row says why and the counsellor can see it.
"""

from __future__ import annotations

import asyncio
import itertools
import time as wallclock
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Protocol

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.ext import AIORateLimiter, Application, ExtBot
from telegram.request import HTTPXRequest

from bot.dispatcher import (
    DISPATCHER_KEY,
    Dispatcher,
    DispatcherConfig,
    QuietHours,
    person_returned,
    start_dispatcher,
    stop_dispatcher,
)
from bot.outbox_kinds import (
    NOTICE,
    REGISTRY,
    UNREACHABLE_TEXT,
    KindRegistry,
    OutgoingFile,
    OutgoingMessage,
    RenderContext,
    notice_payload,
    render_notice,
)
from bot.runtime import DB_KEY
from storage import outbox
from storage.actors import CounsellorActor
from storage.db import Database
from storage.models import Beneficiary, BeneficiaryStatus, Counsellor
from storage.outbox import ClaimedMessage, OutboxMessage, OutboxStatus, Recipient
from tests.fakebotapi import FakeBotApi, png_bytes

# python-telegram-bot's warning that durations become timedeltas: the bot opts
# in to them (bot/__init__.py), so flood control must not raise it.
pytestmark = pytest.mark.filterwarnings("error::telegram.warnings.PTBDeprecationWarning")

T0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Paris
COUNSELLOR_TID = 5_000
FIRST_BENEFICIARY_TID = 10_000


class FakeClock:
    """The dispatcher's ``now``: moves only when a test moves it."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class People:
    counsellor: Recipient
    counsellor_tid: int
    beneficiaries: list[Recipient]
    tids: list[int]

    def chat_of(self, recipient: Recipient) -> int:
        return self.tids[self.beneficiaries.index(recipient)]


async def add_people(
    db: Database,
    count: int,
    *,
    locale: str = "fr",
    counsellor_tid: int = COUNSELLOR_TID,
    first_tid: int = FIRST_BENEFICIARY_TID,
) -> People:
    """One counsellor and ``count`` consenting beneficiaries, written directly."""
    async with db.transaction() as session:
        counsellor = Counsellor(telegram_id=counsellor_tid, name="Claire Martin", locale="fr")
        session.add(counsellor)
        await session.flush()
        people = [
            Beneficiary(
                counsellor_id=counsellor.id,
                telegram_id=first_tid + i,
                name=f"Personne {i}",
                status=BeneficiaryStatus.ACTIVE,
                locale=locale,
                consent_at=T0 - timedelta(days=1),
            )
            for i in range(count)
        ]
        session.add_all(people)
        await session.flush()
        return People(
            Recipient.counsellor(counsellor.id),
            counsellor_tid,
            [Recipient.beneficiary(p.id) for p in people],
            [first_tid + i for i in range(count)],
        )


def open_chats(api: FakeBotApi, people: People) -> None:
    """Every person has started the bot, so their chat exists on the stand-in."""
    api.user(people.counsellor_tid, "Claire")
    for tid in people.tids:
        api.user(tid, "Personne")


async def enqueue_notice(
    session: AsyncSession, recipient: Recipient, msgid: str, *, due_at: datetime, dedupe_key: str
) -> int:
    """One ``notice`` row: the kind is the bot's own, queued here as storage would."""
    return await outbox.enqueue(
        session,
        kind=NOTICE,
        recipient=recipient,
        due_at=due_at,
        dedupe_key=dedupe_key,
        payload=notice_payload(msgid),
    )


async def enqueue_notices(
    db: Database,
    recipients: list[Recipient],
    per_recipient: int = 1,
    *,
    due: datetime = T0,
    kind: str = NOTICE,
    prefix: str = "n",
) -> list[str]:
    """Notices whose text (an untranslated id) names their row, to count deliveries."""
    keys = []
    async with db.transaction() as session:
        for round_ in range(per_recipient):
            for recipient in recipients:
                key = f"{prefix}:{recipient.id}:{round_}"
                await outbox.enqueue(
                    session,
                    kind=kind,
                    recipient=recipient,
                    due_at=due,
                    dedupe_key=key,
                    payload=notice_payload("Message {key}", key=key),
                )
                keys.append(key)
    return keys


async def rows(db: Database) -> dict[str, OutboxMessage]:
    async with db.transaction() as session:
        found = await session.scalars(select(OutboxMessage))
        return {r.dedupe_key: r for r in found}


def texts(api: FakeBotApi, chat_id: int) -> list[str]:
    return [m.content for m in api.messages(chat_id)]


def fast_config(**changes: object) -> DispatcherConfig:
    """No pacing waits unless a test asks for them."""
    values: dict[str, object] = {
        "per_chat_interval": 0.0,
        "overall_rate": 1_000.0,
        "quiet_hours": QuietHours.parse("off"),
    }
    values.update(changes)
    return DispatcherConfig(**values)  # type: ignore[arg-type]


async def drain(dispatcher: Dispatcher, rounds: int = 50) -> None:
    for _ in range(rounds):
        if await dispatcher.run_once() == 0:
            return
    raise AssertionError("the outbox never emptied")


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    request = HTTPXRequest(connection_pool_size=16, read_timeout=1.0)
    async with Bot(
        api.token, base_url=api.base_url, base_file_url=api.base_file_url, request=request
    ) as instance:
        yield instance


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def people(db: Database, api: FakeBotApi) -> People:
    found = await add_people(db, 3)
    open_chats(api, found)
    return found


class MakeDispatcher(Protocol):
    def __call__(
        self, clock: FakeClock, registry: KindRegistry = ..., **config: object
    ) -> Dispatcher: ...


@pytest.fixture
async def make_dispatcher(db: Database, bot: Bot) -> AsyncIterator[MakeDispatcher]:
    """Dispatchers on the test's bot and database, stopped (lock released) at the end."""
    made: list[Dispatcher] = []

    def make(clock: FakeClock, registry: KindRegistry = REGISTRY, **config: object) -> Dispatcher:
        dispatcher = Dispatcher(
            bot, db, registry=registry, config=fast_config(**config), clock=clock
        )
        made.append(dispatcher)
        return dispatcher

    yield make
    for dispatcher in made:
        await dispatcher.stop()


def registry_with(*kinds: str, urgent: bool = False) -> KindRegistry:
    """The built-in kinds plus test kinds that render like a notice."""
    registry = KindRegistry()
    for name in REGISTRY.kinds():
        spec = REGISTRY.get(name)
        assert spec is not None
        registry.register(name, urgent=spec.urgent, stale_after=spec.stale_after)(spec.render)
    for kind in kinds:
        registry.register(kind, urgent=urgent)(render_notice)
    return registry


# ---------------------------------------------------------------------------
# The plain path
# ---------------------------------------------------------------------------


async def test_a_due_notice_is_sent_once_in_the_recipients_language(
    db: Database, api: FakeBotApi, clock: FakeClock, make_dispatcher: MakeDispatcher, people: People
) -> None:
    paul, lea, _ = people.beneficiaries
    async with db.transaction() as session:
        await session.execute(
            update(Beneficiary).where(Beneficiary.id == lea.id).values(locale="en")
        )
        for person in (paul, lea):
            await enqueue_notice(session, person, "Help", due_at=T0, dedupe_key=f"help:{person.id}")
        await enqueue_notice(
            session, paul, "Help", due_at=T0 + timedelta(hours=1), dedupe_key="help:later"
        )
    dispatcher = make_dispatcher(clock)
    await drain(dispatcher)
    assert texts(api, people.chat_of(paul)) == ["Aide"]
    assert texts(api, people.chat_of(lea)) == ["Help"]
    state = await rows(db)
    assert state["help:later"].status == OutboxStatus.PENDING
    assert state[f"help:{paul.id}"].status == OutboxStatus.SENT
    assert state[f"help:{paul.id}"].sent_at == T0

    clock.advance(hours=1)
    await drain(dispatcher)
    assert texts(api, people.chat_of(paul)) == ["Aide", "Aide"]
    await drain(dispatcher)
    assert len(api.calls("sendMessage")) == 3


async def test_notice_dates_are_shown_in_the_recipients_zone_and_language(
    db: Database, bot: Bot, people: People
) -> None:
    paul = people.beneficiaries[0]
    async with db.transaction() as session:
        found = await outbox.resolve_addressees(session, [paul])
    row = ClaimedMessage(
        1, NOTICE, paul, paul.id, "k", notice_payload("On {when} ({when_date})", when=T0),
        T0, 0, "t", T0,
    )  # fmt: skip
    french = RenderContext(bot, db, found[paul], T0)
    message = await render_notice(french, row)
    assert message is not None and message.text == "On 10 mars 2025 à 10 h (10 mars 2025)"


async def test_documents_photos_and_buttons_go_out_as_such(
    db: Database, api: FakeBotApi, clock: FakeClock, make_dispatcher: MakeDispatcher, people: People
) -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    registry = KindRegistry()
    picture = png_bytes(20, 10)

    @registry.register("export")
    async def export(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage:
        return OutgoingMessage(
            context._("Help"), document=OutgoingFile(b"%PDF-1.4 test", "bilan.pdf")
        )

    @registry.register("chart")
    async def chart(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]])
        return OutgoingMessage(
            "<b>Profil</b>", keyboard=keyboard,
            photo=OutgoingFile(picture, "chart.png"),
        )  # fmt: skip

    paul = people.beneficiaries[0]
    await enqueue_notices(db, [paul], kind="export", prefix="e")
    await enqueue_notices(db, [paul], kind="chart", prefix="c")
    await drain(make_dispatcher(clock, registry))
    document, photo = api.messages(people.chat_of(paul))
    assert document.document == b"%PDF-1.4 test" and document.file_name == "bilan.pdf"
    assert document.caption == "Aide"
    assert photo.photo == picture and photo.caption == "Profil"
    assert photo.callback_data == ["ok"]


async def test_a_renderer_can_call_a_message_off(
    db: Database, api: FakeBotApi, clock: FakeClock, make_dispatcher: MakeDispatcher, people: People
) -> None:
    registry = KindRegistry()

    @registry.register("task_nudge")
    async def nudge(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
        return None  # the task was done in the meantime

    paul = people.beneficiaries[0]
    [key] = await enqueue_notices(db, [paul], kind="task_nudge")
    await drain(make_dispatcher(clock, registry))
    assert texts(api, people.chat_of(paul)) == []
    assert (await rows(db))[key].status == OutboxStatus.CANCELLED


async def test_nobody_is_written_to_after_withdrawing_consent(
    db: Database, api: FakeBotApi, clock: FakeClock, make_dispatcher: MakeDispatcher, people: People
) -> None:
    paul = people.beneficiaries[0]
    [key] = await enqueue_notices(db, [paul])
    async with db.transaction() as session:
        await session.execute(
            update(Beneficiary)
            .where(Beneficiary.id == paul.id)
            .values(status=BeneficiaryStatus.WITHDRAWN)
        )
    await drain(make_dispatcher(clock))
    assert api.calls("sendMessage") == []
    assert (await rows(db))[key].status == OutboxStatus.CANCELLED


# ---------------------------------------------------------------------------
# Faults: nothing lost, nothing doubled
# ---------------------------------------------------------------------------


async def test_flood_control_waits_and_resends_without_counting_a_failure(
    db: Database, api: FakeBotApi, clock: FakeClock, make_dispatcher: MakeDispatcher, people: People
) -> None:
    keys = await enqueue_notices(db, people.beneficiaries)
    api.fail_next(2, "429", "sendMessage", retry_after=1)
    dispatcher = make_dispatcher(clock)
    started = wallclock.monotonic()
    await drain(dispatcher)
    assert wallclock.monotonic() - started >= 1.0  # Telegram's wait was respected
    for recipient, key in zip(people.beneficiaries, keys, strict=True):
        assert texts(api, people.chat_of(recipient)) == [f"Message {key}"]
    state = await rows(db)
    assert all(state[k].status == OutboxStatus.SENT and state[k].attempts == 0 for k in keys)
    assert dispatcher.stats.rate_limited == 2


async def test_flood_control_behind_ptbs_rate_limiter(
    db: Database, api: FakeBotApi, clock: FakeClock, people: People
) -> None:
    """As in production: the Application's bot retries 429 itself first."""
    request = HTTPXRequest(connection_pool_size=16, read_timeout=1.0)
    async with ExtBot(
        api.token, base_url=api.base_url, request=request,
        rate_limiter=AIORateLimiter(max_retries=1),
    ) as limited:  # fmt: skip
        keys = await enqueue_notices(db, people.beneficiaries[:1])
        api.fail_next(3, "429", "sendMessage", retry_after=1)
        dispatcher = Dispatcher(limited, db, config=fast_config(), clock=clock)
        try:
            await drain(dispatcher)
        finally:
            await dispatcher.stop()
    assert texts(api, people.tids[0]) == [f"Message {keys[0]}"]
    assert (await rows(db))[keys[0]].attempts == 0


async def test_one_429_does_not_start_a_cycle_of_them(
    db: Database, api: FakeBotApi, clock: FakeClock
) -> None:
    """PTB's limiter holds every request after a 429, then lets them go at once:
    the pace must count that burst, or the next second overflows again."""
    people = await add_people(db, 80)
    open_chats(api, people)
    keys = await enqueue_notices(db, people.beneficiaries)
    api.set_rate_limit(per_second=30)
    api.fail_next(1, "429", "sendMessage", retry_after=1)
    request = HTTPXRequest(connection_pool_size=16, read_timeout=5.0)
    async with ExtBot(
        api.token, base_url=api.base_url, request=request,
        rate_limiter=AIORateLimiter(max_retries=3),
    ) as limited:  # fmt: skip
        config = fast_config(overall_rate=25.0, max_concurrent_sends=8)
        dispatcher = Dispatcher(limited, db, config=config, clock=clock)
        try:
            await drain(dispatcher)
        finally:
            await dispatcher.stop()
    sends = api.calls("sendMessage")
    assert [c.fault for c in sends if c.fault] == ["429"]  # the injected one, no other
    assert sorted(m.content for t in people.tids for m in api.messages(t)) == sorted(
        f"Message {k}" for k in keys
    )


@pytest.mark.parametrize("fault", ["500", "502", "disconnect"])
async def test_server_errors_back_off_and_send_once(
    db: Database,
    api: FakeBotApi,
    clock: FakeClock,
    make_dispatcher: MakeDispatcher,
    people: People,
    fault: str,
) -> None:
    paul = people.beneficiaries[0]
    [key] = await enqueue_notices(db, [paul])
    api.fail_next(2, fault, "sendMessage")
    dispatcher = make_dispatcher(clock)
    await drain(dispatcher)
    row = (await rows(db))[key]
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.PENDING, 1, "NetworkError")
    assert row.not_before == T0 + timedelta(seconds=10)
    clock.advance(seconds=9)
    assert await dispatcher.run_once() == 0  # backing off
    clock.advance(seconds=1)
    await drain(dispatcher)
    row = (await rows(db))[key]
    assert row.attempts == 2 and row.not_before == clock.now + timedelta(seconds=20)
    clock.advance(seconds=20)
    await drain(dispatcher)
    assert texts(api, people.chat_of(paul)) == [f"Message {key}"]
    assert (await rows(db))[key].status == OutboxStatus.SENT


async def test_a_timeout_is_retried_and_sends_once(
    db: Database, api: FakeBotApi, clock: FakeClock, make_dispatcher: MakeDispatcher, people: People
) -> None:
    paul = people.beneficiaries[0]
    [key] = await enqueue_notices(db, [paul])
    api.fail_next(1, "timeout", "sendMessage", delay_s=3)
    dispatcher = make_dispatcher(clock)
    await drain(dispatcher)
    row = (await rows(db))[key]
    assert (row.status, row.last_error) == (OutboxStatus.PENDING, "TimedOut")
    clock.advance(seconds=10)
    await drain(dispatcher)
    assert texts(api, people.chat_of(paul)) == [f"Message {key}"]


async def test_a_timeout_after_telegram_delivered_can_double_once_and_no_more(
    db: Database, api: FakeBotApi, clock: FakeClock, make_dispatcher: MakeDispatcher, people: People
) -> None:
    """The one duplicate no client can avoid: Telegram did it, the answer was lost."""
    paul = people.beneficiaries[0]
    [key] = await enqueue_notices(db, [paul])
    api.fail_next(1, "timeout", "sendMessage", delay_s=3, performed=True)
    dispatcher = make_dispatcher(clock)
    await drain(dispatcher)
    clock.advance(minutes=5)
    await drain(dispatcher)
    clock.advance(minutes=5)
    await drain(dispatcher)
    assert texts(api, people.chat_of(paul)) == [f"Message {key}"] * 2


async def test_after_max_attempts_the_row_fails_and_the_counsellor_sees_it(
    db: Database, api: FakeBotApi, clock: FakeClock, make_dispatcher: MakeDispatcher, people: People
) -> None:
    paul = people.beneficiaries[0]
    [key] = await enqueue_notices(db, [paul])
    api.fail_next(10, "500", "sendMessage")
    dispatcher = make_dispatcher(clock, max_attempts=4)
    for _ in range(6):
        await drain(dispatcher)
        clock.advance(hours=1)
    row = (await rows(db))[key]
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.FAILED, 4, "NetworkError")
    assert len(api.calls("sendMessage")) == 4
    claire = CounsellorActor(people.counsellor.id, people.counsellor_tid, "fr", "Europe/Paris")
    async with db.transaction() as session:
        failed = await outbox.failed_for_counsellor(session, claire)
    assert [(f.id, f.recipient, f.last_error) for f in failed] == [(row.id, paul, "NetworkError")]


async def test_a_refused_message_fails_at_once(
    db: Database, api: FakeBotApi, clock: FakeClock, make_dispatcher: MakeDispatcher
) -> None:
    people = await add_people(db, 1)  # no chat opened: Telegram answers "chat not found"
    [key] = await enqueue_notices(db, people.beneficiaries)
    await drain(make_dispatcher(clock))
    row = (await rows(db))[key]
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.FAILED, 1, "BadRequest")


async def test_a_blocked_person_is_held_and_their_counsellor_told(
    db: Database, api: FakeBotApi, clock: FakeClock, make_dispatcher: MakeDispatcher, people: People
) -> None:
    paul, lea, _ = people.beneficiaries
    paul_chat = people.chat_of(paul)
    now_keys = await enqueue_notices(db, [paul, lea])
    later = await enqueue_notices(
        db, [paul], 2, due=T0 + timedelta(hours=2), kind="test_reminder", prefix="r"
    )
    api.block_user(paul_chat)
    dispatcher = make_dispatcher(clock, registry_with("test_reminder"))
    await drain(dispatcher)

    assert texts(api, paul_chat) == []
    assert texts(api, people.chat_of(lea)) == [f"Message {now_keys[1]}"]
    # The counsellor is told, in French, by name (their own beneficiary), once.
    [notice] = texts(api, people.counsellor_tid)
    assert notice.startswith("Personne 0 ") and "bloqué" in notice
    state = await rows(db)
    assert {state[k].status for k in [now_keys[0], *later]} == {OutboxStatus.HELD}
    async with db.transaction() as session:
        person = await session.get(Beneficiary, paul.id)
        assert person is not None and person.unreachable_at == T0

    # Hours later, with something new for Paul, nothing more is tried.
    clock.advance(hours=3)
    [meanwhile] = await enqueue_notices(db, [paul], due=clock.now, prefix="m")
    await drain(dispatcher)
    assert len(api.calls("sendMessage")) == 3
    assert (await rows(db))[meanwhile].status == OutboxStatus.HELD
    # Then he unblocks and opens the bot again.
    api.unblock_user(paul_chat)
    async with db.transaction() as session:
        outcome = await person_returned(session, paul, now=clock.now)
    # The latest notice and the latest reminder; the older of each is dropped.
    assert (outcome.resumed, outcome.cancelled) == (2, 2)
    await drain(dispatcher)
    # One message now, the next one a minute later: not dumped at once.
    assert texts(api, paul_chat) == [f"Message {later[1]}"]
    clock.advance(minutes=1)
    await drain(dispatcher)
    assert texts(api, paul_chat) == [f"Message {later[1]}", f"Message {meanwhile}"]
    state = await rows(db)
    assert state[later[0]].status == state[now_keys[0]].status == OutboxStatus.CANCELLED


async def test_the_counsellor_notice_is_dropped_if_the_person_came_back(
    db: Database, api: FakeBotApi, clock: FakeClock, make_dispatcher: MakeDispatcher, people: People
) -> None:
    paul = people.beneficiaries[0]
    await enqueue_notices(db, [paul])
    api.fail_next(1, "403", "sendMessage", chat_id=people.chat_of(paul))
    dispatcher = make_dispatcher(clock)
    assert await dispatcher.run_once() == 1  # the 403: notice enqueued, not sent yet
    async with db.transaction() as session:
        await person_returned(session, paul, now=clock.now)
    await drain(dispatcher)
    assert texts(api, people.counsellor_tid) == []
    assert len(texts(api, people.chat_of(paul))) == 1


async def test_names_and_plain_notices_reach_the_person_as_written(
    db: Database, api: FakeBotApi, clock: FakeClock, make_dispatcher: MakeDispatcher, people: People
) -> None:
    """Outbox texts go out as HTML: a name or a notice parameter with markup characters
    is escaped when rendered (the stand-in refuses bad HTML like Telegram), and reads
    exactly as written, in a row queued before or after the rule."""
    paul, lea, _ = people.beneficiaries
    odd = "Zoé <b>&amp; Cie</b> < 3"
    async with db.transaction() as session:
        person = await session.get(Beneficiary, paul.id)
        assert person is not None
        person.name = odd
        await outbox.enqueue(
            session,
            kind=NOTICE,
            recipient=lea,
            due_at=T0,
            dedupe_key="odd",
            payload=notice_payload("Message {who} & <i>", who=odd),
        )
    await enqueue_notices(db, [paul])
    api.block_user(people.chat_of(paul))
    await drain(make_dispatcher(clock))
    assert texts(api, people.chat_of(lea)) == [f"Message {odd} & <i>"]
    [notice] = texts(api, people.counsellor_tid)
    assert notice.startswith(f"{odd} ") and "bloqué" in notice


def test_the_unreachable_notice_is_translated() -> None:
    from bot.i18n import gettext_for

    assert gettext_for("fr")(UNREACHABLE_TEXT) != UNREACHABLE_TEXT
    assert "{name}" in gettext_for("fr")(UNREACHABLE_TEXT)


# ---------------------------------------------------------------------------
# Quiet hours
# ---------------------------------------------------------------------------

PARIS = "Europe/Paris"
QUIET = QuietHours(time(21), time(8))


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Saturday before the spring change (CET, UTC+1): 22:00 local.
        (datetime(2025, 3, 29, 21, 0, tzinfo=UTC), datetime(2025, 3, 30, 6, 0, tzinfo=UTC)),
        # The changeover night itself, 01:30 UTC is 03:30 CEST: still quiet.
        (datetime(2025, 3, 30, 1, 30, tzinfo=UTC), datetime(2025, 3, 30, 6, 0, tzinfo=UTC)),
        # 06:30 UTC on that Sunday is 08:30 CEST: awake (a +1 offset would say 07:30).
        (datetime(2025, 3, 30, 6, 30, tzinfo=UTC), None),
        # Saturday before the autumn change (CEST, UTC+2): 22:00 local.
        (datetime(2025, 10, 25, 20, 0, tzinfo=UTC), datetime(2025, 10, 26, 7, 0, tzinfo=UTC)),
        # 06:30 UTC on that Sunday is 07:30 CET: still quiet (a +2 offset would say 08:30).
        (datetime(2025, 10, 26, 6, 30, tzinfo=UTC), datetime(2025, 10, 26, 7, 0, tzinfo=UTC)),
        # Sunday evening after the change: 20:30 CET is not quiet, 21:00 CET is.
        (datetime(2025, 10, 26, 19, 30, tzinfo=UTC), None),
        (datetime(2025, 10, 26, 20, 0, tzinfo=UTC), datetime(2025, 10, 27, 7, 0, tzinfo=UTC)),
        # Sunday evening after the spring change: 21:30 CEST.
        (datetime(2025, 3, 30, 19, 30, tzinfo=UTC), datetime(2025, 3, 31, 6, 0, tzinfo=UTC)),
        # End bound is exclusive, start bound inclusive.
        (datetime(2025, 3, 10, 7, 0, tzinfo=UTC), None),
        (datetime(2025, 3, 10, 20, 0, tzinfo=UTC), datetime(2025, 3, 11, 7, 0, tzinfo=UTC)),
    ],
)
def test_quiet_hours_follow_the_wall_clock_across_dst(
    moment: datetime, expected: datetime | None
) -> None:
    assert QUIET.release_at(moment, PARIS) == expected


def test_quiet_hours_in_another_zone_and_within_a_day() -> None:
    moment = datetime(2025, 3, 10, 3, 0, tzinfo=UTC)  # 23:00 in Montréal (EDT)
    assert QUIET.release_at(moment, "America/Montreal") == datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
    lunch = QuietHours(time(12), time(14))
    assert lunch.release_at(datetime(2025, 3, 10, 11, 30, tzinfo=UTC), PARIS) == datetime(
        2025, 3, 10, 13, 0, tzinfo=UTC
    )
    assert QuietHours.parse("off").release_at(moment, PARIS) is None
    assert QuietHours.parse("22:30-07:15") == QuietHours(time(22, 30), time(7, 15))
    with pytest.raises(ValueError):
        QuietHours.parse("tonight")


async def test_a_ping_in_quiet_hours_waits_for_morning_across_the_dst_change(
    db: Database, api: FakeBotApi, people: People, make_dispatcher: MakeDispatcher
) -> None:
    saturday_night = datetime(2025, 3, 29, 20, 30, tzinfo=UTC)  # 21:30 CET
    clock = FakeClock(saturday_night)
    registry = registry_with("reminder_1h", urgent=True)
    paul, lea, _ = people.beneficiaries
    [ping] = await enqueue_notices(db, [paul], due=saturday_night)
    [urgent] = await enqueue_notices(db, [lea], due=saturday_night, kind="reminder_1h")
    dispatcher = make_dispatcher(clock, registry, quiet_hours=QUIET)
    await drain(dispatcher)
    assert texts(api, people.chat_of(lea)) == [f"Message {urgent}"]
    assert texts(api, people.chat_of(paul)) == []
    row = (await rows(db))[ping]
    sunday_8am = datetime(2025, 3, 30, 6, 0, tzinfo=UTC)  # 08:00 CEST
    assert (row.status, row.not_before, row.due_at) == (
        OutboxStatus.PENDING, sunday_8am, saturday_night,
    )  # fmt: skip
    clock.now = sunday_8am - timedelta(seconds=1)
    await drain(dispatcher)
    assert texts(api, people.chat_of(paul)) == []
    clock.now = sunday_8am
    await drain(dispatcher)
    assert texts(api, people.chat_of(paul)) == [f"Message {ping}"]


# ---------------------------------------------------------------------------
# Pace
# ---------------------------------------------------------------------------


async def test_one_message_a_second_to_one_chat_others_unhindered(
    db: Database, api: FakeBotApi, clock: FakeClock, make_dispatcher: MakeDispatcher, people: People
) -> None:
    paul, lea, _ = people.beneficiaries
    await enqueue_notices(db, [paul], 3)
    await enqueue_notices(db, [lea], 1, prefix="l")
    await drain(make_dispatcher(clock, per_chat_interval=0.5))
    to_paul = [c.at for c in api.calls("sendMessage") if c.chat_id == people.chat_of(paul)]
    to_lea = [c.at for c in api.calls("sendMessage") if c.chat_id == people.chat_of(lea)]
    assert len(to_paul) == 3 and len(to_lea) == 1
    gaps = [b - a for a, b in itertools.pairwise(to_paul)]
    assert min(gaps) >= 0.45
    assert to_lea[0] - to_paul[0] < 0.3


async def test_a_busy_chat_gives_rows_back_instead_of_waiting(
    db: Database, api: FakeBotApi, clock: FakeClock, make_dispatcher: MakeDispatcher, people: People
) -> None:
    paul = people.beneficiaries[0]
    keys = await enqueue_notices(db, [paul], 5)
    dispatcher = make_dispatcher(clock, per_chat_interval=1.0, max_chat_wait=1.5)
    await dispatcher.run_once()
    assert len(texts(api, people.chat_of(paul))) == 2  # now, and one second later
    state = await rows(db)
    assert sorted(state[k].status for k in keys).count(OutboxStatus.PENDING) == 3
    assert dispatcher.stats.deferred == 3
    clock.advance(seconds=2)
    await asyncio.sleep(1.0)
    await drain(dispatcher)
    clock.advance(seconds=2)
    await asyncio.sleep(1.0)
    await drain(dispatcher)
    assert sorted(texts(api, people.chat_of(paul))) == sorted(f"Message {k}" for k in keys)


async def test_overall_pace_stays_under_telegrams_limit(
    db: Database, api: FakeBotApi, clock: FakeClock, make_dispatcher: MakeDispatcher
) -> None:
    people = await add_people(db, 75)
    open_chats(api, people)
    await enqueue_notices(db, people.beneficiaries)
    api.set_rate_limit(per_second=30)
    dispatcher = make_dispatcher(clock, overall_rate=29.0)
    started = wallclock.monotonic()
    await drain(dispatcher)
    elapsed = wallclock.monotonic() - started
    sends = api.calls("sendMessage")
    assert len(sends) == 75
    assert [c for c in sends if c.fault] == []  # not one 429
    # Paced, not bursted: 75 messages at 29 a second take at least 2.5 s. How much
    # longer is the machine's business (a loaded one is slower), not the pacing's.
    assert elapsed > 75 / 30


# ---------------------------------------------------------------------------
# Running in the Application
# ---------------------------------------------------------------------------


async def test_started_from_the_application_it_sends_and_stops_cleanly(
    db: Database, api: FakeBotApi, people: People
) -> None:
    application = (
        Application.builder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .build()
    )
    application.bot_data[DB_KEY] = db
    await application.initialize()
    try:
        dispatcher = await start_dispatcher(application, fast_config(poll_interval=0.1))
        assert application.bot_data[DISPATCHER_KEY] is dispatcher
        paul = people.beneficiaries[0]
        async with db.transaction() as session:
            await enqueue_notice(session, paul, "Help", due_at=T0, dedupe_key="live")
        message = await api.wait_for_message_async(people.chat_of(paul), timeout=5)
        assert message.content == "Aide"
        started = wallclock.monotonic()
        await stop_dispatcher(application)
        assert wallclock.monotonic() - started < 2
        assert DISPATCHER_KEY not in application.bot_data
    finally:
        await application.shutdown()
    assert (await rows(db))["live"].status == OutboxStatus.SENT
