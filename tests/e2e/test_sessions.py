"""Sessions end to end through the real bot process and the stand-in Bot API.

The counsellor schedules two sessions by commands and buttons; the
beneficiary receives each notice with its .ics file and a reminder with
"Je confirme" / "Je dois décaler"; they confirm one and ask to move the
other with a reason; the counsellor is alerted at once, then reads the
reason, and sees both answers in ``/seances``.

Reminders fall due at once: ``SESSION_REMINDER_OFFSETS=72h,48h`` puts both
reminders of a session "tomorrow" in the past, and of the reminders already
late only the one nearest the session is sent, straight away.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from tests.e2e.conftest import COUNSELLOR_ID, start_polling
from tests.e2e.harness import BotEnvironment, BotProcess
from tests.e2e.people import onboard
from tests.fakebotapi import BotMessage, FakeBotApi, FakeUser

PARIS = ZoneInfo("Europe/Paris")


def _schedule(claire: FakeUser, when: str, duration: str, mode: str, place: str | None) -> None:
    claire.send_command("seance")
    claire.wait_for_reply(lambda m: "Nouvelle séance" in m.content)
    claire.press_button("Paul Durand")
    claire.wait_for_reply(lambda m: "Quand ?" in m.content)
    claire.send_text(when)
    claire.wait_for_reply(lambda m: "Combien de temps" in m.content)
    claire.press_button(duration)
    claire.wait_for_reply(lambda m: "Comment se déroulera" in m.content)
    claire.press_button(mode)
    if place is not None:
        claire.wait_for_reply(lambda m: "adresse" in m.content)
        claire.send_text(place)
    claire.wait_for_reply(lambda m: "Nouvelle séance avec Paul Durand" in m.content)
    claire.press_button("✅ Confirmer")
    claire.wait_for_reply(lambda m: "Séance programmée avec Paul Durand" in m.content)


def _event(message: BotMessage) -> object:
    assert message.document is not None and (message.file_name or "").endswith(".ics")
    calendar = Calendar.from_ical(message.document)
    assert str(calendar["METHOD"]) == "PUBLISH"
    return calendar.walk("VEVENT")[0]


def _newer(paul: FakeUser, after: int, predicate: object) -> BotMessage:
    """The first message newer than ``after`` that satisfies ``predicate``, waiting for it."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for message in paul.messages():
            if message.message_id > after and predicate(message):  # type: ignore[operator]
                return message
        time.sleep(0.05)
    raise AssertionError("the expected message never came")


def test_sessions_end_to_end(api: FakeBotApi, environment: BotEnvironment) -> None:
    environment.extra["SESSION_REMINDER_OFFSETS"] = "72h,48h"
    bot = BotProcess(environment).start()
    start_polling(api, bot)
    paul = onboard(api, "Paul Durand", 5001)
    claire = api.user(COUNSELLOR_ID, "Claire")
    tomorrow = datetime.now(PARIS).date() + timedelta(days=1)

    # The first session, in person: notice with its calendar file, then the reminder.
    began = time.monotonic()
    _schedule(claire, "demain 10h", "1 h 30", "Présentiel", "12 rue de la Paix, 75002 Paris")
    last_seen = max(m.message_id for m in paul.messages())
    first_notice = _newer(paul, last_seen, lambda m: m.document is not None)
    notice_latency = time.monotonic() - began
    assert "Nouvelle séance avec Claire Martin" in first_notice.content
    assert "12 rue de la Paix" in first_notice.content
    event = _event(first_notice)
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"  # type: ignore[index]
    assert event["DTSTART"].dt == datetime(  # type: ignore[index]
        tomorrow.year, tomorrow.month, tomorrow.day, 10, 0, tzinfo=PARIS
    )
    assert int(event["SEQUENCE"]) == 0  # type: ignore[index]
    first_reminder = _newer(paul, last_seen, lambda m: "Rappel" in m.content)
    assert "demain à 10 h" in first_reminder.content
    paul.press(first_reminder.button("Je confirme").data or "", first_reminder.message_id)
    paul.wait_for_reply(lambda m: "Merci" in m.content)

    # The second session, by phone: Paul has to move it and says why.
    last_seen = max(m.message_id for m in paul.messages())
    _schedule(claire, "demain 14h30", "1 h", "Téléphone", None)
    second_notice = _newer(paul, last_seen, lambda m: m.document is not None)
    second = _event(second_notice)
    assert str(second["UID"]) != str(event["UID"])  # type: ignore[index]
    second_reminder = _newer(paul, last_seen, lambda m: "Rappel" in m.content)
    assert "à 14 h 30" in second_reminder.content
    asked = time.monotonic()
    paul.press(second_reminder.button("Je dois décaler").data or "", second_reminder.message_id)
    paul.wait_for_reply(lambda m: "prévenu" in m.content)
    alert = claire.wait_for_reply(lambda m: "doit décaler" in m.content, timeout=20)
    alert_latency = time.monotonic() - asked
    assert "Paul Durand" in alert.content and "à 14 h 30" in alert.content
    paul.send_text("Un entretien d'embauche à la même heure.")
    paul.wait_for_reply(lambda m: "reçoit votre motif" in m.content)
    claire.wait_for_reply(lambda m: "entretien d'embauche" in m.content, timeout=20)

    # The counsellor's view: one confirmed, one to move.
    claire.send_command("seances")
    listing = claire.wait_for_reply(lambda m: "Séances à venir" in m.content)
    lines = listing.content.splitlines()
    assert any("Paul Durand" in line and "✅ confirmée" in line for line in lines)
    assert any("Paul Durand" in line and "demande à la décaler" in line for line in lines)

    print(
        f"\nsessions: notice and .ics {notice_latency:.1f} s after the counsellor's command; "
        f"counsellor alerted {alert_latency:.1f} s after the press"
    )
    bot.stop()
    log = bot.log()
    assert "Traceback" not in log, log[-3000:]
    assert " ERROR " not in log, log[-3000:]
