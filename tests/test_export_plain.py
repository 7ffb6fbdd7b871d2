"""The export PDF in plain language: every status, kind and date in words, in both languages.

A bilan with sessions (one held, one planned, one cancelled), tasks (one
done, one open), an action plan, a synthesis delivered, follow-up check-ins
and the messages these made: the PDF is read back (pypdf) and must hold no
code a person cannot read ("done", "planned", "task_assigned") and no date
as a computer writes it ("2026-12-05"), in French and in English.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.export import build_pdf
from storage import followups, outbox, plans, rights, sessions, synthesis, tasks
from storage.cards import set_phase
from storage.db import Database
from storage.models import Phase
from storage.outbox import Recipient
from storage.sessions import SessionMode
from tests.pdf_text import pdf_text
from tests.storage.conftest import World
from tests.storage.conftest import world as world  # the fixture

NOW = datetime(2026, 12, 2, 7, 37, tzinfo=UTC)  # 08:37 in Paris


async def full_bilan(db: Database, world: World) -> None:
    """Paul's bilan, from the first session to the follow-up, as the bot writes it."""
    bid = world.paul.beneficiary_id
    a = world.a
    async with db.transaction() as session:
        held = await sessions.schedule_session(
            session, a, bid, NOW - timedelta(days=20), 90, SessionMode.IN_PERSON, "Bureau 2",
            now=NOW - timedelta(days=30),
        )  # fmt: skip
        await sessions.mark_done(session, a, held.id, 100, now=NOW - timedelta(days=20))
        await sessions.schedule_session(
            session, a, bid, NOW + timedelta(days=3), 60, SessionMode.VIDEO, "https://visio.example.org/paul",
            now=NOW - timedelta(days=1),
        )  # fmt: skip
        dropped = await sessions.schedule_session(
            session, a, bid, NOW + timedelta(days=9), 60, SessionMode.PHONE, None,
            now=NOW - timedelta(days=1),
        )  # fmt: skip
        await sessions.cancel_session(session, a, dropped.id, "Congés", now=NOW)
        done = await tasks.assign_task(
            session, a, bid, "Enquête métier", None, date(2026, 11, 25), now=NOW - timedelta(9)
        )
        await tasks.complete_task(session, world.paul, done.id, "Faite à l'IFAS", now=NOW)
        await tasks.assign_task(
            session, a, bid, "Lire la fiche ROME", "K2111", date(2026, 12, 5), now=NOW
        )
        await plans.set_project(session, a, bid, "main", "Formatrice en IFAS", now=NOW)
        await plans.add_step(session, a, bid, "Rencontrer deux formatrices", date(2027, 1, 15))
        await plans.add_step(session, world.paul, bid, "Dossier VAE", date(2027, 3, 1))
        await set_phase(session, a, bid, Phase.INVESTIGATION)
        await set_phase(session, a, bid, Phase.CONCLUSION)
        await synthesis.add_version(
            session, a, bid, origin="draft", editable=b"D", editable_format="docx",
            pdf=b"%PDF", pages=3, to_write=0, now=NOW,
        )  # fmt: skip
        await synthesis.request_review(session, a, bid, NOW)
        await synthesis.agree(session, world.paul, 1, NOW)
        await synthesis.deliver(session, a, bid, NOW)
        await followups.conclude(session, a, bid, followups.Schedule(), now=NOW)
        await outbox.enqueue(
            session, kind="task_reminder", recipient=Recipient.beneficiary(bid),
            due_at=NOW + timedelta(days=2), dedupe_key="test:reminder", payload={},
            beneficiary_id=bid,
        )  # fmt: skip


async def _export(db: Database, world: World, locale: str) -> str:
    async with db.transaction() as session:
        dossier = await rights.collect(session, world.paul)
    return pdf_text(build_pdf(dossier, locale, "Europe/Paris"))


CODE = re.compile(r"\b[a-z]+_[a-z_]+\b")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.mark.parametrize("locale", ["fr", "en"])
async def test_no_code_and_no_computer_date_in_the_pdf(
    db: Database, world: World, locale: str
) -> None:
    await full_bilan(db, world)
    text = await _export(db, world, locale)
    assert CODE.findall(text) == []
    assert ISO_DATE.findall(text) == []
    assert "T07:37" not in text and "+00:00" not in text


async def test_french_export_speaks_french(db: Database, world: World) -> None:
    await full_bilan(db, world)
    text = await _export(db, world, "fr")
    for words in (
        # sessions: held, to come, cancelled, and how
        "Statut tenue",
        "Statut à venir",
        "Statut annulée",
        "Modalité en présentiel",
        "Modalité en visio",
        "Modalité par téléphone",
        # tasks: the due day as people write it, done or to do
        "Enquête métier Échéance 25 novembre 2026 Statut faite",
        "Lire la fiche ROME Précisions K2111 Échéance 5 décembre 2026 Statut à faire",
        # the plan: the first of a month, who proposed, where it stands
        "Dossier VAE Date visée 1er mars 2027 État proposée, en attente de l'accord",
        "Proposé par vous",
        "Proposé par votre conseiller·ère",
        # times as people write them
        "Enregistré le 1er décembre 2026 à 8 h 37",
        # each message by what it is
        "23 novembre 2026 à 8 h 37 — une nouvelle démarche — à vous — à envoyer",
        "un rappel de séance — à vous — annulé",
        "une invitation à un point de suivi — à vous — à envoyer",
        # the delivery asked the question
        "Conservation de votre synthèse demandé le 2 décembre 2026, pas encore de réponse",
    ):
        assert words in text, words
    for english in ("done", "planned", "held", "cancelled", "open", "agreed", "beneficiary"):
        assert not re.search(rf"\b{english}\b", text), english


async def test_english_export_speaks_english(db: Database, world: World) -> None:
    await full_bilan(db, world)
    text = await _export(db, world, "en")
    for words in (
        "Status held",
        "Status to come",
        "Status cancelled, not held",
        "How in person",
        "Enquête métier Due on 25 November 2026 Status done",
        "Details K2111 Due on 5 December 2026 Status to do",
        "Dossier VAE Target date 1 March 2027 State proposed, waiting for your counsellor",
        "Proposed by you",
        "Recorded on 1 December 2026 at 08:37",
        "23 November 2026 at 08:37 — a new task — to you — to be sent",
        "Keeping your synthesis asked on 2 December 2026, not answered yet",
    ):
        assert words in text, words
    for french in ("Statut", "Échéance", "tenue", "à venir", "demandé"):
        assert french not in text, french


async def test_the_synthesis_question_once_asked_says_when(db: Database, world: World) -> None:
    await full_bilan(db, world)  # its delivery asks the question
    async with db.transaction() as session:
        await rights.mark_synthesis_asked(session, world.a, world.paul.beneficiary_id, NOW)
    text = await _export(db, world, "fr")
    assert (
        "Conservation de votre synthèse demandé le 2 décembre 2026, pas encore de réponse" in text
    )
