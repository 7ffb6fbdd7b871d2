"""Tasks between sessions as people see them, through the live bot of ``test_sessions_app``."""

# ruff: noqa: F811 - the fixtures imported below are used by name
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from storage import tasks as store
from storage.models import AuditEvent, utcnow
from storage.outbox import OutboxStatus
from tests.test_sessions_app import (  # noqa: F401 - fixtures
    Live,
    answer_of,
    api,
    containing,
    live,
    reply,
)

PARIS = ZoneInfo("Europe/Paris")


def today_in_paris() -> date:
    return utcnow().astimezone(PARIS).date()


def evening_before(due: date) -> datetime:
    return datetime.combine(due - timedelta(days=1), datetime.min.time().replace(hour=18), PARIS)


async def test_a_task_is_given_reminded_snoozed_and_done_with_a_note(live: Live) -> None:
    claire, paul = live.claire, live.paul
    claire.send_command("tache")
    await reply(claire, containing("Nouvelle démarche"))
    claire.press_button("Paul Durand")
    await reply(claire, containing("Tapez la démarche"))
    claire.send_text("Enquête métier : rencontrer deux professionnels")
    await reply(claire, containing("précisions"))
    claire.send_text("Préparez trois questions sur leur quotidien.")
    await reply(claire, containing("Pour quand ?"))
    claire.send_text("dans 2 semaines")
    summary = await reply(claire, containing("Démarche pour Paul Durand"))
    due = today_in_paris() + timedelta(days=14)
    assert "Préparez trois questions" in summary.content
    assert "la veille à 18 h" in summary.content
    claire.press_button("Confier cette démarche")
    await reply(claire, containing("Démarche confiée à Paul Durand"))

    await live.deliver()
    notice = await reply(paul, containing("nouvelle démarche"))
    assert "Enquête métier" in notice.content and notice.has_button("C'est fait")

    await live.deliver(at=evening_before(due) - timedelta(minutes=1))
    assert not [m for m in paul.messages() if "Rappel" in m.content]
    await live.deliver(at=evening_before(due))
    reminder = await reply(paul, containing("Rappel"))
    assert "Enquête métier" in reminder.content
    paul.press(reminder.button("demain").data or "", reminder.message_id)
    snoozed = await reply(paul, containing("Je vous le rappellerai"))
    assert "à 18 h" in snoozed.content

    paul.press(reminder.button("C'est fait").data or "", reminder.message_id)
    await reply(paul, containing("Bravo"))
    paul.send_text("J'ai rencontré une infirmière et un cadre de santé.")
    await reply(paul, containing("Note enregistrée"))
    async with live.db.transaction() as session:
        [task] = await store.own_tasks(session, live.paul_actor, include_done=True)
    assert task.status == store.TaskStatus.DONE
    rows = await live.rows(f"task:{task.id}:remind:")
    assert {r.status for r in rows.values()} <= {OutboxStatus.SENT, OutboxStatus.CANCELLED}
    assert [k for k, r in rows.items() if r.status == OutboxStatus.CANCELLED] == [
        f"task:{task.id}:remind:2"
    ]

    claire.send_command("taches")
    listing = await reply(claire, containing("Démarches de vos bénéficiaires"))
    assert "Faites récemment" in listing.content
    assert "infirmière et un cadre" in listing.content
    async with live.db.transaction() as session:
        events = list(await session.scalars(select(AuditEvent)))
    assert ("tasks.read_note", live.paul_actor.beneficiary_id) in {
        (e.action, e.beneficiary_id) for e in events
    }


async def test_overdue_tasks_come_first_for_the_counsellor(live: Live) -> None:
    long_ago = utcnow() - timedelta(days=10)
    async with live.db.transaction() as session:
        await store.assign_task(
            session,
            live.a,
            live.paul_actor.beneficiary_id,
            "Mettre à jour le CV",
            None,
            today_in_paris() - timedelta(days=2),
            now=long_ago,
        )
        await store.assign_task(
            session,
            live.a,
            live.emma_actor.beneficiary_id,
            "Visit a training centre",
            None,
            today_in_paris() + timedelta(days=5),
        )
    live.claire.send_command("taches")
    listing = await reply(live.claire, containing("Démarches de vos bénéficiaires"))
    overdue, rest = listing.content.split("En cours")
    assert "En retard" in overdue and "Mettre à jour le CV" in overdue
    assert "Visit a training centre" in rest
    live.paul.send_command("taches")
    own = await reply(live.paul, containing("Vos démarches"))
    assert "en retard depuis" in own.content


async def test_others_cannot_touch_a_task(live: Live) -> None:
    async with live.db.transaction() as session:
        task = await store.assign_task(
            session,
            live.a,
            live.paul_actor.beneficiary_id,
            "Mettre à jour le CV",
            None,
            today_in_paris() + timedelta(days=7),
        )
    live.bruno.send_command("taches")
    bruno_list = await reply(live.bruno, containing("Démarches"))
    assert "Mettre à jour" not in bruno_list.content
    for data in (f"t:v:{task.id}", f"t:w:{task.id}", f"t:b:{live.paul_actor.beneficiary_id}"):
        press = live.bruno.press(data, bruno_list.message_id)
        assert (await answer_of(live.bruno, press)).text == "Ce bouton n'est plus actif."
    live.lea.send_command("taches")
    lea_list = await reply(live.lea, containing("Vos démarches"))
    for data in (f"t:d:{task.id}", f"t:z:{task.id}:1", f"t:v:{task.id}", f"t:z:{task.id}:9"):
        press = live.lea.press(data, lea_list.message_id)
        assert (await answer_of(live.lea, press)).text == "Ce bouton n'est plus actif."
    async with live.db.transaction() as session:
        unchanged = await store.task_for(session, live.a, task.id)
    assert unchanged.status == store.TaskStatus.OPEN and unchanged.reminder_number == 1


async def test_the_counsellor_withdraws_a_task_and_its_reminder_goes(live: Live) -> None:
    async with live.db.transaction() as session:
        task = await store.assign_task(
            session,
            live.a,
            live.paul_actor.beneficiary_id,
            "Mettre à jour le CV",
            None,
            today_in_paris() + timedelta(days=7),
        )
    live.claire.send_command("taches")
    listing = await reply(live.claire, containing("Démarches"))
    live.claire.press(f"t:v:{task.id}", listing.message_id)
    card = await reply(live.claire, containing("Démarche pour Paul Durand"))
    live.claire.press(card.button("Retirer").data or "", card.message_id)
    await reply(live.claire, containing("Démarche retirée"))
    await live.deliver(at=utcnow() + timedelta(days=8))
    assert not [m for m in live.paul.messages() if "CV" in m.content]
