"""Sessions as people see them: a live Application over the stand-in Bot API, in process.

The bot is wired as ``bilan-bot run`` wires it (:func:`bot.app.add_handlers`),
polls the stand-in server, and sends its outbox through the real
:class:`bot.dispatcher.Dispatcher`, whose clock the tests move to make
reminders fall due. Assertions read what a person would see: texts,
buttons, the .ics file they receive.

The module also holds the fixtures the tasks and journal tests share.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select, update
from telegram.ext import (
    Application,
)

from bot.app import add_handlers
from bot.dispatcher import Dispatcher, DispatcherConfig, QuietHours
from bot.i18n import gettext_for
from bot.kit.application import builder
from bot.runtime import DB_KEY, SETTINGS_KEY
from bot.settings import Settings
from storage import sessions as store
from storage.actors import BeneficiaryActor, CounsellorActor, SystemActor, resolve_actor
from storage.db import Database
from storage.models import Beneficiary, utcnow
from storage.outbox import OutboxMessage, OutboxStatus
from storage.people import accept_invitation, add_counsellor, create_invitation
from storage.sessions import SessionMode
from tests.fakebotapi import BotMessage, FakeBotApi, FakeUser
from tests.fakebotapi.records import Action, CallbackAnswer

CLAIRE, BRUNO, PAUL, LEA, EMMA = 111, 222, 1001, 1002, 1003


# --- the bot, wired as ``bilan-bot run`` wires it --------------------------------------------

FALLTHROUGH = gettext_for("fr")(
    "I did not expect a message here. Use the menu to choose what to do."
)
"""What the bot's door answers when nothing waits for typed text (bot/features/everyday/)."""
STOPPED = gettext_for("fr")("Stopped. Nothing you answered is lost; pick up again from the menu.")


class FakeClock:
    """The dispatcher's clock: real time until a test moves it."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def set(self, moment: datetime) -> None:
        self.offset = moment - utcnow()


@dataclass
class Live:
    api: FakeBotApi
    db: Database
    application: Application  # type: ignore[type-arg]
    dispatcher: Dispatcher
    clock: FakeClock
    claire: FakeUser
    bruno: FakeUser
    paul: FakeUser
    lea: FakeUser
    emma: FakeUser
    a: CounsellorActor
    b: CounsellorActor
    paul_actor: BeneficiaryActor
    lea_actor: BeneficiaryActor
    emma_actor: BeneficiaryActor

    async def deliver(self, at: datetime | None = None) -> int:
        """Run the dispatcher until the outbox has nothing due (at ``at``); rows claimed."""
        if at is not None:
            self.clock.set(at)
        total = 0
        for _ in range(20):
            claimed = await self.dispatcher.run_once()
            total += claimed
            if not claimed:
                return total
        raise AssertionError("the outbox never emptied")

    async def rows(self, prefix: str) -> dict[str, OutboxMessage]:
        async with self.db.transaction() as session:
            found = await session.scalars(
                select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith(prefix))
            )
            return {row.dedupe_key: row for row in found}


async def reply(user: FakeUser, predicate: object = None, timeout: float = 10) -> BotMessage:
    return await user.wait_for_reply_async(predicate, timeout=timeout)  # type: ignore[arg-type]


async def answer_of(user: FakeUser, action: Action) -> CallbackAnswer:
    """The bot's answer to a press, waited for off the event loop the bot runs on."""
    return await asyncio.to_thread(user.callback_answer, action)


def containing(*parts: str) -> object:
    return lambda m: all(part in m.content for part in parts)


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


async def _counsellor(db: Database, telegram_id: int, name: str) -> CounsellorActor:
    async with db.transaction() as session:
        await add_counsellor(session, SystemActor("test"), telegram_id, name)
        actor = await resolve_actor(session, telegram_id)
    assert isinstance(actor, CounsellorActor)
    return actor


async def _beneficiary(
    db: Database, counsellor: CounsellorActor, name: str, telegram_id: int, locale: str = "fr"
) -> BeneficiaryActor:
    async with db.transaction() as session:
        issued = await create_invitation(session, counsellor, name)
    async with db.transaction() as session:
        actor = await accept_invitation(session, issued.token, telegram_id, locale)
    assert actor is not None
    return actor


@pytest.fixture
async def live(
    db: Database, api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Live]:
    for name in ("BILAN_HOURS_BUDGET", "SESSION_REMINDER_OFFSETS", "TASK_REMINDER_HOUR"):
        monkeypatch.delenv(name, raising=False)
    a = await _counsellor(db, CLAIRE, "Claire Martin")
    b = await _counsellor(db, BRUNO, "Bruno Petit")
    paul = await _beneficiary(db, a, "Paul Durand", PAUL)
    lea = await _beneficiary(db, b, "Léa Moreau", LEA)
    emma = await _beneficiary(db, a, "Emma Stone", EMMA, "en")
    async with db.transaction() as session:
        await session.execute(
            update(Beneficiary)
            .where(Beneficiary.id == emma.beneficiary_id)
            .values(timezone="America/New_York")
        )
    emma = BeneficiaryActor(emma.beneficiary_id, EMMA, "en", "America/New_York")
    application = (
        builder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .concurrent_updates(False)
        .build()
    )
    application.bot_data[DB_KEY] = db
    application.bot_data[SETTINGS_KEY] = Settings(_env_file=None)  # type: ignore[call-arg]
    add_handlers(application)
    clock = FakeClock()
    config = DispatcherConfig(
        per_chat_interval=0.0, overall_rate=1000.0, quiet_hours=QuietHours.parse("off")
    )
    async with application:
        dispatcher = Dispatcher(application.bot, db, config=config, clock=clock)
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=5))
        try:
            yield Live(
                api,
                db,
                application,
                dispatcher,
                clock,
                api.user(CLAIRE, "Claire"),
                api.user(BRUNO, "Bruno"),
                api.user(PAUL, "Paul"),
                api.user(LEA, "Léa"),
                api.user(EMMA, "Emma", language_code="en"),
                a,
                b,
                paul,
                lea,
                emma,
            )
        finally:
            await dispatcher.stop()
            await application.updater.stop()
            await application.stop()


def calendar_of(message: BotMessage) -> Calendar:
    assert message.document is not None and message.file_name is not None
    assert message.file_name.endswith(".ics")
    return Calendar.from_ical(message.document)


def event_of(message: BotMessage) -> object:
    return calendar_of(message).walk("VEVENT")[0]


def paris(day: dtm.date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo("Europe/Paris"))


def tomorrow_in_paris() -> dtm.date:
    return utcnow().astimezone(ZoneInfo("Europe/Paris")).date() + timedelta(days=1)


async def schedule_directly(
    live: Live,
    starts_at: datetime,
    minutes: int = 90,
    mode: SessionMode = SessionMode.IN_PERSON,
    place: str | None = "12 rue de la Paix, Paris",
    beneficiary: BeneficiaryActor | None = None,
    now: datetime | None = None,
) -> store.SessionInfo:
    async with live.db.transaction() as session:
        return await store.schedule_session(
            session,
            live.a,
            (beneficiary or live.paul_actor).beneficiary_id,
            starts_at.astimezone(UTC),
            minutes,
            mode,
            place,
            now=now,
        )


# --- scheduling by the counsellor's commands ------------------------------------------------


async def test_a_typed_range_gives_the_length_and_the_notice_says_the_time(live: Live) -> None:
    """ "jeudi 14h-15h30": no question about the length; the person reads "à 14 h 30"."""
    claire, paul = live.claire, live.paul
    claire.send_command("seance")
    await reply(claire, containing("Nouvelle séance"))
    claire.press_button("Paul Durand")
    asked = await reply(claire, containing("Quand ?"))
    assert "« jeudi 14h-15h30 »" in asked.content
    claire.send_text("après-demain 14h30-16h")
    await reply(claire, containing("Comment se déroulera"))
    claire.press_button("Téléphone")
    summary = await reply(claire, containing("Nouvelle séance avec Paul Durand"))
    assert "⏱ Durée : 1 h 30" in summary.content
    assert "(Europe/Paris)" not in summary.content
    claire.press_button("✅ Confirmer")
    await reply(claire, containing("Séance programmée avec Paul Durand"))
    assert await live.deliver() >= 1
    notice = await reply(paul, lambda m: m.document is not None)
    assert "à <b>" not in notice.content and " à 14 h 30" in notice.content
    assert "(1 h 30)" in notice.content
    event = event_of(notice)
    day = tomorrow_in_paris() + timedelta(days=1)
    assert event["DTSTART"].dt == paris(day, 14, 30)  # type: ignore[index]
    assert event["DTEND"].dt == paris(day, 16, 0)  # type: ignore[index]


async def test_scheduling_by_typed_date_then_the_beneficiary_gets_notice_and_ics(
    live: Live,
) -> None:
    claire, paul = live.claire, live.paul
    claire.send_command("seance")
    picker = await reply(claire, containing("Nouvelle séance"))
    assert [b.text for b in picker.flat_buttons] == ["Emma Stone", "Paul Durand", "✖ Annuler"]
    claire.press_button("Paul Durand")
    await reply(claire, containing("Quand ?"))
    claire.send_text("demain 14h30")
    await reply(claire, containing("Combien de temps"))
    claire.press_button("1 h 30")
    await reply(claire, containing("Comment se déroulera"))
    claire.press_button("Présentiel")
    await reply(claire, containing("adresse"))
    claire.send_text("12 rue de la Paix, Paris")
    summary = await reply(claire, containing("Nouvelle séance avec Paul Durand"))
    day = tomorrow_in_paris()
    assert "à 14 h 30" in summary.content and "12 rue de la Paix" in summary.content
    hours = "Heures du bilan : 0 h faite, 0 h prévue\u202f; il reste 24 h sur 24 h."
    assert hours in summary.content
    assert "Avec celle-ci : 1 h 30." in summary.content
    claire.press_button("✅ Confirmer")
    done = await reply(claire, containing("Séance programmée avec Paul Durand"))
    assert "1 h 30 prévue\u202f; il reste 22 h 30 sur 24 h" in done.content

    assert await live.deliver() >= 1
    notice = await reply(paul, lambda m: m.document is not None)
    assert "Nouvelle séance avec Claire Martin" in notice.content
    assert "12 rue de la Paix" in notice.content
    event = event_of(notice)
    start = event["DTSTART"]  # type: ignore[index]
    assert start.params["TZID"] == "Europe/Paris"
    assert start.dt == paris(day, 14, 30)
    assert event["DTEND"].dt == paris(day, 16, 0)  # type: ignore[index]
    assert int(event["SEQUENCE"]) == 0  # type: ignore[index]
    assert str(calendar_of(notice)["METHOD"]) == "PUBLISH"
    async with live.db.transaction() as session:
        [info] = await store.upcoming_sessions(session, live.a)
    assert str(event["UID"]) == f"{info.uid}@bilan-bot"  # type: ignore[index]


async def test_scheduling_with_buttons_by_phone(live: Live) -> None:
    claire = live.claire
    claire.send_command("seance")
    await reply(claire, containing("Nouvelle séance"))
    claire.press_button("Paul Durand")
    days = await reply(claire, containing("Quand ?"))
    day_button = days.flat_buttons[3]  # the fourth day from today
    claire.press(day_button.data or "", days.message_id)
    hours = await reply(claire, containing("à quelle heure"))
    assert [b.text for b in hours.buttons[0]] == ["09:00", "10:00", "11:00", "14:00"]
    claire.press_button("10:00")
    await reply(claire, containing("Combien de temps"))
    claire.press_button("2 h")
    await reply(claire, containing("Comment se déroulera"))
    claire.press_button("Téléphone")
    summary = await reply(claire, containing("Nouvelle séance avec Paul Durand"))
    assert "par téléphone" in summary.content and "à 10 h" in summary.content
    claire.press_button("✅ Confirmer")
    await reply(claire, containing("Séance programmée"))
    async with live.db.transaction() as session:
        [info] = await store.upcoming_sessions(session, live.a)
    assert info.mode == SessionMode.PHONE and info.duration_minutes == 120
    local = info.starts_at.astimezone(ZoneInfo("Europe/Paris"))
    assert (local.hour, local.minute) == (10, 0)
    assert (local.date() - utcnow().astimezone(ZoneInfo("Europe/Paris")).date()).days == 3


async def test_a_wrong_date_is_asked_again_and_past_times_refused(live: Live) -> None:
    claire = live.claire
    forged = claire.press("s:b:0", 1)
    assert (await answer_of(claire, forged)).text == "Ce bouton n'est plus actif."
    claire.send_command("seance")
    await reply(claire, containing("Nouvelle séance"))
    claire.press_button("Paul Durand")
    await reply(claire, containing("Quand ?"))
    claire.send_text("un de ces jours")
    again = await reply(claire, containing("pas compris"))
    assert "Quand ?" in again.content
    yesterday = utcnow().astimezone(ZoneInfo("Europe/Paris")).date() - timedelta(days=1)
    claire.send_text(f"{yesterday:%d/%m} 10h")
    past = await reply(claire, containing("déjà passé"))
    assert "Quand ?" in past.content
    claire.send_text(f"{tomorrow_in_paris():%d/%m}")
    hours = await reply(claire, containing("à quelle heure"))
    assert hours.has_button("09:00")
    claire.send_text("15h45")
    await reply(claire, containing("Combien de temps"))
    async with live.db.transaction() as session:
        draft = await store.current_dialogue(session, live.a)
    assert draft is not None and draft.step == "dur"
    assert datetime.fromisoformat(draft.data["starts_at"]) == paris(tomorrow_in_paris(), 15, 45)


async def test_beyond_the_hours_budget_a_second_confirmation_is_needed(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BILAN_HOURS_BUDGET", "4")
    # The organisation's setting, read as the bot reads it at start-up.
    live.application.bot_data[SETTINGS_KEY] = Settings(_env_file=None)  # type: ignore[call-arg]
    await schedule_directly(live, paris(tomorrow_in_paris(), 9), minutes=180)
    claire = live.claire
    claire.send_command("seance")
    await reply(claire, containing("Nouvelle séance"))
    claire.press_button("Paul Durand")
    await reply(claire, containing("Quand ?"))
    claire.send_text("dans 3 jours 10h")
    await reply(claire, containing("Combien de temps"))
    claire.press_button("2 h")
    await reply(claire, containing("Comment se déroulera"))
    claire.press_button("Téléphone")
    summary = await reply(claire, containing("Nouvelle séance avec Paul Durand"))
    assert "3 h prévues\u202f; il reste 1 h sur 4 h" in summary.content
    assert "Avec celle-ci : 5 h." in summary.content
    assert "dépasse les 4 h du bilan" in summary.content
    assert not summary.has_button("✅ Confirmer\n") and summary.has_button("malgré le dépassement")
    # A plain "confirm" (an old or forged button) does not go through: it asks again.
    claire.press("s:ok", summary.message_id)
    again = await reply(claire, containing("Confirmez encore une fois"))
    async with live.db.transaction() as session:
        assert len(await store.upcoming_sessions(session, live.a)) == 1
    claire.press_button("malgré le dépassement")
    await reply(claire, containing("Séance programmée"))
    async with live.db.transaction() as session:
        use = await store.budget_use(session, live.a, live.paul_actor.beneficiary_id)
    assert use.planned_minutes == 300
    assert again.message_id == summary.message_id  # the same message, edited


# --- moving and cancelling ------------------------------------------------------------------


async def test_moving_sends_an_updated_ics_with_the_same_uid(live: Live) -> None:
    info = await schedule_directly(live, paris(tomorrow_in_paris(), 14))
    await live.deliver()
    first = await reply(live.paul, lambda m: m.document is not None)
    claire = live.claire
    claire.send_command("seances")
    listing = await reply(claire, containing("Séances à venir"))
    assert "Paul Durand" in listing.content and "pas encore confirmée" in listing.content
    claire.press(f"s:v:{info.id}")
    card = await reply(claire, containing("Séance avec Paul Durand"))
    claire.press(card.button("Déplacer").data or "", card.message_id)
    await reply(claire, containing("Déplacement de la séance avec Paul Durand"))
    claire.send_text("après-demain 16h")
    confirm = await reply(claire, containing("Déplacer la séance avec Paul Durand"))
    claire.press(confirm.button("Confirmer").data or "", confirm.message_id)
    await reply(claire, containing("déplacée"))
    await live.deliver()
    moved = await reply(
        live.paul, lambda m: m.document is not None and m.message_id != first.message_id
    )
    assert "déplacée" in moved.content
    before, after = event_of(first), event_of(moved)
    assert str(after["UID"]) == str(before["UID"])  # type: ignore[index]
    assert int(after["SEQUENCE"]) == 1  # type: ignore[index]
    day_after = tomorrow_in_paris() + timedelta(days=1)
    assert after["DTSTART"].dt == paris(day_after, 16)  # type: ignore[index]
    reminders = await live.rows(f"session:{info.id}:remind:")
    pending = {k for k, r in reminders.items() if r.status == OutboxStatus.PENDING}
    assert pending == {f"session:{info.id}:remind:1:24h", f"session:{info.id}:remind:1:2h"}


async def test_cancelling_with_a_reason_sends_method_cancel(live: Live) -> None:
    info = await schedule_directly(live, paris(tomorrow_in_paris(), 9, 30))
    await live.deliver()
    first = await reply(live.paul, lambda m: m.document is not None)
    claire = live.claire
    claire.send_command("seances")
    await reply(claire, containing("Séances à venir"))
    claire.press(f"s:v:{info.id}")
    card = await reply(claire, containing("Séance avec Paul Durand"))
    claire.press(card.button("Annuler la séance").data or "", card.message_id)
    await reply(claire, containing("Annuler la séance avec Paul Durand"))
    claire.send_text("Je suis souffrante, je vous propose une autre date.")
    check = await reply(claire, containing("avec ce motif"))
    claire.press_button("Oui, l'annuler")
    await reply(claire, containing("annulée"))
    await live.deliver()
    cancelled = await reply(
        live.paul, lambda m: m.document is not None and m.message_id != first.message_id
    )
    assert "annulée" in cancelled.content and "souffrante" in cancelled.content
    calendar = calendar_of(cancelled)
    assert str(calendar["METHOD"]) == "CANCEL"
    event = calendar.walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == str(event_of(first)["UID"])  # type: ignore[index]
    assert int(event["SEQUENCE"]) == 1
    assert check.message_id  # the confirmation was shown before anything changed
    reminders = await live.rows(f"session:{info.id}:remind:")
    assert {r.status for r in reminders.values()} == {OutboxStatus.CANCELLED}


# --- reminders, confirmation, asking to move ---------------------------------------------------


async def test_reminders_confirm_and_ask_to_move_reach_the_counsellor(live: Live) -> None:
    start = paris(tomorrow_in_paris() + timedelta(days=1), 10)
    info = await schedule_directly(live, start)
    await live.deliver()
    paul = live.paul
    await reply(paul, lambda m: m.document is not None)

    await live.deliver(at=start - timedelta(hours=24) - timedelta(minutes=1))
    assert not [m for m in paul.messages() if "Rappel" in m.content]
    await live.deliver(at=start - timedelta(hours=24))
    day_before = await reply(paul, containing("Rappel"))
    assert "a lieu demain à 10 h" in day_before.content
    assert "rue de la Paix" not in day_before.content
    paul.press_button("Je confirme")
    thanks = await reply(paul, containing("Merci"))
    assert "venez" in thanks.content
    live.claire.send_command("seances")
    listing = await reply(live.claire, containing("Séances à venir"))
    assert "✅ confirmée" in listing.content

    await live.deliver(at=start - timedelta(hours=2))
    soon = await reply(
        paul, lambda m: "Rappel" in m.content and m.message_id != day_before.message_id
    )
    assert "12 rue de la Paix, Paris" in soon.content  # the 2 h reminder repeats the address
    assert "a lieu aujourd'hui à 10 h" in soon.content
    paul.press(soon.button("Je dois décaler").data or "", soon.message_id)
    await reply(paul, containing("prévenu"))
    await live.deliver(at=start - timedelta(hours=2))
    alert = await reply(live.claire, containing("doit décaler"))
    assert "Paul Durand" in alert.content and "à 10 h." in alert.content
    assert alert.has_button("La déplacer")
    paul.send_text("Un entretien d'embauche tombe à la même heure.")
    await reply(paul, containing("reçoit votre motif"))
    await live.deliver(at=start - timedelta(hours=2))
    reason = await reply(live.claire, lambda m: "entretien d'embauche" in m.content)
    assert "Paul Durand" in reason.content
    live.claire.send_command("seances")
    listing = await reply(live.claire, containing("Séances à venir"))
    assert "demande à la décaler" in listing.content
    assert info.id


async def test_after_asking_to_move_the_next_reminder_acknowledges_it(live: Live) -> None:
    start = paris(tomorrow_in_paris() + timedelta(days=1), 9)
    await schedule_directly(live, start)
    paul = live.paul
    await live.deliver(at=start - timedelta(hours=24))
    day_before = await reply(paul, containing("Rappel"))
    assert "Serez-vous là" in day_before.content
    paul.press(day_before.button("Je dois décaler").data or "", day_before.message_id)
    await reply(paul, containing("prévenu"))
    paul.send_text("Mon train est annulé.")
    await reply(paul, containing("reçoit votre motif"))

    await live.deliver(at=start - timedelta(hours=2))
    soon = await reply(
        paul, lambda m: "Rappel" in m.content and m.message_id != day_before.message_id
    )
    assert "Serez-vous là" not in soon.content
    assert "Vous avez prévenu Claire Martin que vous devez la décaler" in soon.content
    assert [b.text for b in soon.flat_buttons] == ["✅ Je peux venir finalement"]
    paul.send_command("seances")
    listing = await reply(paul, containing("Vos séances"))
    paul.press(listing.flat_buttons[0].data or "", listing.message_id)
    screen = await reply(paul, containing("Vous avez prévenu Claire Martin"))
    assert screen.has_button("Je confirme")

    paul.press(soon.button("Je peux venir finalement").data or "", soon.message_id)
    await reply(paul, containing("Merci"))
    live.claire.send_command("seances")
    assert "✅ confirmée" in (await reply(live.claire, containing("Séances à venir"))).content


async def test_an_old_reminder_button_after_a_move_shows_the_new_time(live: Live) -> None:
    start = paris(tomorrow_in_paris() + timedelta(days=2), 11)
    info = await schedule_directly(live, start)
    await live.deliver(at=start - timedelta(hours=24))
    reminder = await reply(live.paul, containing("Rappel"))
    async with live.db.transaction() as session:
        await store.reschedule_session(session, live.a, info.id, start + timedelta(days=1))
    live.paul.press(reminder.button("Je confirme").data or "", reminder.message_id)
    changed = await reply(live.paul, containing("a changé"))
    assert changed.has_button("Je confirme")
    async with live.db.transaction() as session:
        assert (await store.session_for(session, live.a, info.id)).confirmed_at is None


# --- others cannot ------------------------------------------------------------------------------


async def test_another_counsellor_or_beneficiary_cannot_act_on_a_session(live: Live) -> None:
    info = await schedule_directly(live, paris(tomorrow_in_paris(), 15))
    bruno, lea = live.bruno, live.lea
    bruno.send_command("seance")
    picker = await reply(bruno, containing("Nouvelle séance"))
    assert [b.text for b in picker.flat_buttons] == ["Léa Moreau", "✖ Annuler"]
    for data in (
        f"s:v:{info.id}",
        f"s:mv:{info.id}",
        f"s:cx:{info.id}",
        f"s:b:{live.paul_actor.beneficiary_id}",
    ):
        press = bruno.press(data, picker.message_id)
        assert (await answer_of(bruno, press)).text == "Ce bouton n'est plus actif."
    for data in (f"s:y:{info.id}:0", f"s:n:{info.id}:0", f"s:v:{info.id}", f"s:ics:{info.id}"):
        lea.send_command("seances")
        own = await reply(lea, containing("Vos séances"))
        press = lea.press(data, own.message_id)
        assert (await answer_of(lea, press)).text == "Ce bouton n'est plus actif."
    # Paul pressing counsellor buttons is refused too.
    live.paul.send_command("seances")
    own = await reply(live.paul, containing("Vos séances"))
    press = live.paul.press(f"s:cx:{info.id}", own.message_id)
    assert (await answer_of(live.paul, press)).text == "Ce bouton n'est plus actif."
    async with live.db.transaction() as session:
        unchanged = await store.session_for(session, live.a, info.id)
    assert unchanged.status == store.SessionStatus.PLANNED and unchanged.sequence == 0
    assert await live.rows(f"session:{info.id}:move") == {}


# --- the beneficiary's list, in their zone and language -------------------------------------------


async def test_the_beneficiary_lists_sessions_in_their_zone_and_language(live: Live) -> None:
    start = paris(tomorrow_in_paris() + timedelta(days=3), 15)
    await schedule_directly(
        live,
        start,
        beneficiary=live.emma_actor,
        mode=SessionMode.VIDEO,
        place="https://visio.example/abc",
    )
    await live.deliver()
    notice = await reply(live.emma, lambda m: m.document is not None)
    assert "New session with Claire Martin" in notice.content
    assert "9:00 AM" in notice.content  # 15:00 in Paris is 9:00 in New York
    event = event_of(notice)
    assert event["DTSTART"].params["TZID"] == "America/New_York"  # type: ignore[index]
    assert str(event["URL"]) == "https://visio.example/abc"  # type: ignore[index]
    live.emma.send_command("sessions")
    listing = await reply(live.emma, containing("Your sessions"))
    assert "9:00 AM" in listing.content and "(America/New_York)" in listing.content
    assert "https://visio.example/abc" in listing.content
    assert "Bilan hours: 0 h done, 1 h 30 planned; 22 h 30 left of 24 h." in listing.content


# --- closing a session, and /annuler ------------------------------------------------------------


async def test_marking_a_past_session_done_with_its_real_duration(live: Live) -> None:
    began = utcnow() - timedelta(hours=3)
    info = await schedule_directly(live, began, minutes=120, now=began - timedelta(days=2))
    claire = live.claire
    claire.send_command("seances")
    listing = await reply(claire, containing("Séances à venir"))
    assert "À clôturer" in listing.content
    claire.press(f"s:v:{info.id}")
    card = await reply(claire, containing("Séance avec Paul Durand"))
    claire.press(card.button("Marquer faite").data or "", card.message_id)
    choice = await reply(claire, containing("vraiment duré"))
    assert choice.flat_buttons[0].text == "Comme prévu (2 h)"
    claire.press_button("1 h 30")
    done = await reply(claire, containing("marquée faite"))
    assert "1 h 30 faite, 0 h prévue" in done.content


async def test_annuler_clears_the_draft_and_text_goes_elsewhere(live: Live) -> None:
    claire = live.claire
    claire.send_command("seance")
    await reply(claire, containing("Nouvelle séance"))
    claire.press_button("Paul Durand")
    await reply(claire, containing("Quand ?"))
    claire.send_command("annuler")
    await reply(claire, containing(STOPPED))
    claire.send_text("demain 10h")
    assert (await reply(claire)).content == FALLTHROUGH
    async with live.db.transaction() as session:
        assert await store.current_dialogue(session, live.a) is None


async def test_two_sessions_at_one_time_have_buttons_told_apart(live: Live) -> None:
    at = paris(tomorrow_in_paris(), 9, 1)
    await schedule_directly(live, at)
    await schedule_directly(live, at)
    claire = live.claire
    claire.send_command("seances")
    listing = await reply(claire, containing("Séances à venir"))
    labels = [b.text for b in listing.flat_buttons if (b.data or "").startswith("s:v:")]
    assert len(labels) == 2 and len(set(labels)) == 2, labels
    assert labels[1] == labels[0] + " (2)"
