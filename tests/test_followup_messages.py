"""What the follow-up messages say when the dispatcher sends them, and what the card shows.

Rows are claimed from the real outbox and rendered as the dispatcher would,
in the recipient's language; a message that no longer makes sense (the
check-in was sent, the bilan closed, the reader is not the counsellor) is
not sent at all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.features.followups.answers import plan_progress_lines
from bot.features.followups.card import CardAddition, card_buttons, card_lines
from bot.features.followups.notices import render_invite, render_talk
from bot.features.plan.notices import render_proposed
from bot.i18n import gettext_for
from bot.outbox_kinds import RenderContext
from dialogues.followup import answer_id, make_answer
from storage import outbox
from storage.actors import BeneficiaryActor, CounsellorActor, SystemActor, resolve_actor
from storage.cards import set_phase
from storage.db import Database
from storage.followups import (
    INSTRUMENT_KEY,
    INVITE_KIND,
    TALK_KIND,
    TALK_QUESTION,
    CheckinState,
    CheckinStatus,
    Schedule,
    attach_run,
    conclude,
    followup_status,
    on_checkin_submitted,
)
from storage.models import Phase
from storage.outbox import ClaimedMessage, Recipient
from storage.people import accept_invitation, add_counsellor, create_invitation
from storage.plans import PROPOSED_KIND, PlanSummary
from storage.responses import open_run, save_answer, submit_run

ADMIN = SystemActor("test")
CONCLUDED = datetime(2026, 8, 31, 15, 0, tzinfo=UTC)
LATER = CONCLUDED + timedelta(days=400)


@dataclass
class People:
    claire: CounsellorActor
    bruno: CounsellorActor
    paul: BeneficiaryActor


@pytest.fixture
async def people(db: Database) -> People:
    actors: list[Any] = []
    async with db.transaction() as session:
        for telegram_id, name in ((111, "Claire Martin"), (222, "Bruno Petit")):
            await add_counsellor(session, ADMIN, telegram_id, name)
            actors.append(await resolve_actor(session, telegram_id))
        issued = await create_invitation(session, actors[0], "Paul Durand")
    async with db.transaction() as session:
        paul = await accept_invitation(session, issued.token, 1001, "fr")
    assert paul is not None
    async with db.transaction() as session:
        await set_phase(session, actors[0], paul.beneficiary_id, Phase.INVESTIGATION)
        await set_phase(session, actors[0], paul.beneficiary_id, Phase.CONCLUSION)
        await conclude(session, actors[0], paul.beneficiary_id, Schedule((3,)), now=CONCLUDED)
    return People(actors[0], actors[1], paul)


async def _claim(db: Database, kind: str) -> list[ClaimedMessage]:
    async with db.transaction() as session:
        rows = await outbox.claim(session, limit=50, lease=timedelta(minutes=5), now=LATER)
    return sorted((r for r in rows if r.kind == kind), key=lambda r: r.due_at)


async def _context(db: Database, recipient: Recipient, locale: str = "fr") -> RenderContext:
    async with db.transaction() as session:
        found = await outbox.resolve_addressees(session, [recipient])
    addressee = replace(found[recipient], locale=locale)
    return RenderContext(None, db, addressee, LATER)  # type: ignore[arg-type]  # renderers send nothing


async def _send_checkin(db: Database, paul: BeneficiaryActor, talk: bool) -> int:
    async with db.transaction() as session:
        (checkin,) = await followup_status(session, paul, paul.beneficiary_id)
        run = await open_run(session, paul, INSTRUMENT_KEY, 1)
        await attach_run(session, paul, checkin.id, run.id, now=LATER)
        await save_answer(session, paul, run.id, TALK_QUESTION, talk, None)
        await submit_run(session, paul, run.id, now=LATER)
        await on_checkin_submitted(session, paul, run.id, now=LATER)
    return run.id


async def test_invitation_and_gentle_repings(db: Database, people: People) -> None:
    rows = await _claim(db, INVITE_KIND)
    assert [r.payload["ping"] for r in rows] == [0, 1, 2]
    me = Recipient.beneficiary(people.paul.beneficiary_id)
    french = await _context(db, me)
    texts = [await render_invite(french, row) for row in rows]
    assert all(t is not None for t in texts)
    first, second, last = (t for t in texts if t is not None)
    assert first.text.startswith("Bonjour ! Il y a 3 mois, vous concluiez votre bilan")
    assert "Un petit rappel, sans pression" in second.text
    assert "Un dernier rappel" in last.text
    assert first.keyboard is not None
    (button,) = [b for row in first.keyboard.inline_keyboard for b in row]
    assert (
        button.text == "📝 Répondre"
        and button.callback_data == f"fu:go:{rows[0].payload['checkin_id']}"
    )
    english = await render_invite(await _context(db, me, "en"), rows[0])
    assert english is not None and english.text.startswith("Hello! 3 months ago")


async def test_no_reminder_once_sent_or_closed(db: Database, people: People) -> None:
    rows = await _claim(db, INVITE_KIND)
    me = Recipient.beneficiary(people.paul.beneficiary_id)
    context = await _context(db, me)
    async with db.transaction() as session:
        await set_phase(session, people.claire, people.paul.beneficiary_id, Phase.CLOS)
    assert await render_invite(context, rows[1]) is None  # the bilan is closed
    async with db.transaction() as session:
        await set_phase(session, people.claire, people.paul.beneficiary_id, Phase.SUIVI)
    assert await render_invite(context, rows[1]) is not None
    await _send_checkin(db, people.paul, talk=False)
    assert await render_invite(context, rows[2]) is None  # answered meanwhile


async def test_the_wish_to_talk_reaches_the_own_counsellor_only(
    db: Database, people: People
) -> None:
    run_id = await _send_checkin(db, people.paul, talk=True)
    (row,) = await _claim(db, TALK_KIND)
    bid = people.paul.beneficiary_id
    message = await render_talk(
        await _context(db, Recipient.counsellor(people.claire.counsellor_id)), row
    )
    assert message is not None
    assert message.text.startswith("🙋 Paul Durand souhaite échanger avec vous")
    assert "point de suivi à 3 mois" in message.text
    assert message.keyboard is not None
    data = [b.callback_data for r in message.keyboard.inline_keyboard for b in r]
    assert data == [f"d:{run_id}", f"c:{bid}"]
    # Readdressed to another counsellor (say the beneficiary changed hands): nothing.
    other = await _context(db, Recipient.counsellor(people.bruno.counsellor_id))
    assert await render_talk(other, row) is None


async def test_a_proposal_names_the_person_not_the_step(db: Database, people: People) -> None:
    bid = people.paul.beneficiary_id
    async with db.transaction() as session:
        await outbox.enqueue(
            session,
            kind=PROPOSED_KIND,
            recipient=Recipient.counsellor(people.claire.counsellor_id),
            due_at=CONCLUDED,
            dedupe_key="plan:test",
            payload={"step_id": 1},
            beneficiary_id=bid,
        )
    (row,) = await _claim(db, PROPOSED_KIND)
    claire = await _context(db, Recipient.counsellor(people.claire.counsellor_id))
    message = await render_proposed(claire, row)
    assert message is not None
    assert message.text == (
        "Paul Durand propose une nouvelle étape pour son plan d'action. Elle attend votre accord."
    )
    bruno = await _context(db, Recipient.counsellor(people.bruno.counsellor_id))
    assert await render_proposed(bruno, row) is None


def _status(state: CheckinState, started: bool = False) -> CheckinStatus:
    answered = CONCLUDED + timedelta(days=95) if state == CheckinState.ANSWERED else None
    return CheckinStatus(1, 7, 3, CONCLUDED + timedelta(days=91), state, None, started, answered)


def test_card_lines_say_states_and_counts_never_text() -> None:
    _ = gettext_for("fr")
    addition = CardAddition(
        7,
        Phase.SUIVI,
        CONCLUDED,
        PlanSummary(True, False, steps=3, done=1, overdue=1, proposed=1),
        (_status(CheckinState.ANSWERED), _status(CheckinState.DUE, started=True)),
    )
    lines = card_lines(addition, "fr", "Europe/Paris", _)
    assert "Projet principal : écrit · alternatif : pas encore écrit" in lines
    assert "Étapes faites : 1 sur 3 · ⚠️ en retard : 1 · 💡 à accepter : 1" in lines
    assert "Bilan conclu le 31 août 2026" in lines
    assert "• Point de suivi à 3 mois : envoyé le 4 décembre 2026" in lines
    assert (
        "• Point de suivi à 3 mois : commencé, à terminer (invitation du 30 novembre 2026)" in lines
    )
    data = [b.callback_data for row in card_buttons(addition, _) for b in row]
    assert data == ["pl:c:7"]  # no "close the conclusion" once in follow-up
    unanswered = replace(addition, checkins=(_status(CheckinState.UNANSWERED),))
    assert any("sans réponse" in line for line in card_lines(unanswered, "fr", "Europe/Paris", _))


def test_card_shows_nothing_before_the_conclusion() -> None:
    _ = gettext_for("fr")
    early = CardAddition(7, Phase.INVESTIGATION, None, PlanSummary(), ())
    assert card_lines(early, "fr", "Europe/Paris", _) == []
    assert card_buttons(early, _) == []
    concluding = replace(early, phase=Phase.CONCLUSION)
    labels = [b.text for row in card_buttons(concluding, _) for b in row]
    assert labels == ["📝 Projet et plan d'action", "✅ Clore la phase de conclusion"]


def test_plan_progress_lines_for_the_reader() -> None:
    _ = gettext_for("en")
    answers = {
        "situation": "new_job",
        answer_id(4): make_answer("dropped", "Apply <now>", date(2027, 1, 1)),
        answer_id(2): make_answer("done", "Meet two technicians", date(2027, 6, 1), "Useful"),
    }
    # In the order of the plan (target dates), whatever the step ids.
    assert plan_progress_lines(answers, "en", _) == [
        "<b>Action plan</b>",
        "• <i>Apply &lt;now&gt;</i> — ✖️ Dropped",
        "• <i>Meet two technicians</i> — ✅ Completed\n  Useful",
        "",
    ]
    assert plan_progress_lines({"situation": "x"}, "en", _) == []
