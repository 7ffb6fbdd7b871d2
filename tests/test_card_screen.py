"""The card a counsellor reads: where the person stands and what waits, on both databases."""

from __future__ import annotations

import html
from datetime import timedelta

from bot.features.card.screens import card_screen
from bot.i18n import gettext_for
from storage.cards import open_card
from storage.db import Database
from storage.models import utcnow
from storage.plans import add_step
from storage.responses import open_run, save_answer, submit_run
from storage.sessions import SessionMode, mark_done, schedule_session
from storage.tasks import assign_task
from storage.waiting import waiting_on
from tests.storage.conftest import World


def _read(text: str) -> str:
    return html.unescape(text).replace("\u202f", " ").replace("\xa0", " ")


async def test_the_card_says_where_the_person_stands_and_what_waits(
    db: Database, world: World
) -> None:
    paul = world.paul
    past = utcnow() - timedelta(days=3)
    async with db.transaction() as session:
        done = await schedule_session(
            session,
            world.a,
            paul.beneficiary_id,
            past,
            90,
            SessionMode.PHONE,
            None,
            now=past - timedelta(days=1),
        )
        await mark_done(session, world.a, done.id, 90)
        soon = (utcnow() + timedelta(days=2)).replace(hour=8, minute=37, second=0, microsecond=0)
        await schedule_session(
            session, world.a, paul.beneficiary_id, soon, 60, SessionMode.PHONE, None
        )
        today = utcnow().date()
        for title, due in (("CV", today - timedelta(days=2)), ("Appel", today + timedelta(days=5))):
            await assign_task(session, world.a, paul.beneficiary_id, title, None, due, now=past)
        first = await open_run(session, paul, "riasec_short", 1)
        await submit_run(session, paul, first.id, result={"code": "SEA"})
        second = await open_run(session, paul, "riasec_short", 1)
        await submit_run(session, paul, second.id, result={"code": "SAE"})
        values = await open_run(session, paul, "work_values", 1)
        await submit_run(
            session,
            paul,
            values.id,
            result={"kind": "values", "complete": True, "order": ["independence", "relationships"]},
        )
        dossier = await open_run(session, paul, "dossier_auto_bilan", 1)
        for n in range(12):
            await save_answer(session, paul, dossier.id, f"q{n}", "réponse", None)
        await add_step(session, paul, paul.beneficiary_id, "Rencontrer une ergonome", today)
    async with db.transaction() as session:
        card = await open_card(session, world.a, paul.beneficiary_id)
        waiting = (await waiting_on(session, world.a)).get(paul.beneficiary_id)
    screen = card_screen(card, world.a, "fr", gettext_for("fr"), budget_hours=24, waiting=waiting)
    shown = _read(screen.text)
    assert "⏱ Heures : 1 h 30 faites, 1 h prévues, sur 24 h · reste 21 h 30" in shown
    assert "📅 Prochaine séance : le " in shown and "— pas encore confirmée" in shown
    assert "📌 2 démarches en cours, 1 en retard" in shown
    assert "Dossier d'auto-bilan — en cours : 12 réponses sur " in shown
    assert "réponses)" not in shown
    assert "code Holland SEA" in shown and "code Holland SAE" in shown
    assert "première valeur : Autonomie" in shown
    assert "Dernière activité : aujourd'hui à " in shown
    assert "🔔 Attend quelque chose de vous : 💡 propose une étape du plan" in shown
    labels = [b.text for row in screen.rows for b in row if b.text.startswith("📖")]
    assert len(labels) == 3 and len(set(labels)) == 3  # two results of one day read apart
    assert all(len(label) <= 60 and " h " in label for label in labels)
    assert any("SEA ·" in label for label in labels) and any("SAE ·" in label for label in labels)
    english = _read(card_screen(card, world.a, "en", gettext_for("en"), budget_hours=24).text)
    assert "⏱ Hours: 1 h 30 done, 1 h planned, of 24 h · 21 h 30 left" in english
    assert "📌 2 tasks open, 1 overdue" in english
    assert "Self-assessment dossier — in progress: 12 answers of " in english
    assert "Last activity: today at " in english
