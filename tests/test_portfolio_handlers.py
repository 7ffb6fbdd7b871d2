"""``/competences`` as a beneficiary and their counsellor see it, through real PTB objects.

The bot is a real ``Application`` over the fake Bot API of
``tests/test_metiers_handlers.py`` (which refuses what Telegram refuses:
malformed HTML, texts over 4096 characters, callback data over 64 bytes, an
edit that changes nothing). The dossier and the ticked ROME skills are seeded
through storage, as the questionnaire and ``/competences_metier`` leave them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.export import build_pdf, dossier_json, portfolio_lines
from bot.features.portfolio.layout import PAGE_SIZE
from bot.i18n import gettext_for
from dialogues.instruments import load_all
from storage import portfolio as stored
from storage import rights
from storage.actors import BeneficiaryActor, CounsellorActor
from storage.db import Database
from storage.models import AuditEvent, utcnow
from storage.responses import open_run, save_answer, submit_run
from storage.skills import choose_job, save_skills, toggle_draft_skill
from tests.test_export_dossier import fill
from tests.test_metiers_handlers import (
    BRUNO,
    CLAIRE,
    EMMA,
    LEA,
    PAUL,
    ROUTER_FALLTHROUGH,
    STRANGER,
    People,
)
from tests.test_metiers_handlers import Harness as BotHarness
from tests.test_metiers_handlers import people as people  # the fixture

REUSSITE = "J'ai réorganisé le planning du cabinet : plus aucun double rendez-vous en six mois."
SENTENCE = "Je tiens le budget de l'association de quartier depuis trois ans."
DOSSIER_ANSWERS: dict[str, Any] = {
    "savoir_faire": (
        "- Accueillir et orienter les patients\n"
        "- Tenir un planning de rendez-vous ; gérer les urgences\n"
        "• Rédiger des comptes rendus, saisir les dossiers patients"
    ),
    "qualites": {"choices": ["rigueur", "ecoute", "calme"], "other": "Ponctualité"},
    "exp_poste#1": "Secrétaire médicale",
    "exp_poste#2": "Agent d'accueil en mairie",
    "reussite_1": REUSSITE,
    "reussite_2": "J'ai formé deux remplaçantes en une semaine.",
}
ROME_TICKED = ("400718", "300412")  # a savoir-faire and a savoir-être of J1506


class Harness(BotHarness):
    """One bot process with every handler, as ``bilan-bot run`` wires them."""


@pytest.fixture
async def bot(db: Database) -> Any:
    async with Harness(db) as harness:
        yield harness


async def seed(
    db: Database, actor: BeneficiaryActor, answers: dict[str, Any] | None = None
) -> None:
    """A sent dossier auto-bilan with two experiences and the job's skills ticked."""
    dossier = load_all()["dossier_auto_bilan"]
    values = {**fill(dossier, "Réponse"), **(answers or DOSSIER_ANSWERS)}
    async with db.transaction() as session:
        run = await open_run(session, actor, dossier.key, dossier.version)
        for answer_id, value in values.items():
            await save_answer(session, actor, run.id, answer_id, value, None)
        await submit_run(session, actor, run.id)
        await choose_job(session, actor, "15544", "J1506")
        for skill in ROME_TICKED:
            await toggle_draft_skill(session, actor, skill)
        await save_skills(session, actor)


@contextmanager
def counted(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]).split()[0])

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_a_beneficiary_builds_their_portfolio_and_finds_it_in_their_export(
    db: Database, people: People, bot: Harness
) -> None:
    await seed(db, people.paul)
    shown = await bot.send(PAUL, "/competences")
    assert "Mon portefeuille de compétences" in shown.text
    # Savoir-faire first: the dossier's items, then the ROME skill ticked on the job.
    assert "Accueillir et orienter les patients" in shown.text
    assert "Rédiger des comptes rendus" in shown.text
    assert "Appliquer un protocole de soin" in shown.text
    assert "Rigueur" not in shown.text  # savoir-être are kept apart
    assert "Savoir-faire : 6 · Savoir-être : 5" in shown.text

    savoir_etre = await bot.press_button(PAUL, shown, "Savoir-être (5)")
    for label in ("Rigueur", "Écoute", "Calme sous pression", "Ponctualité"):
        assert label in savoir_etre.text
    assert "Etre à l'écoute, faire preuve d'empathie" in savoir_etre.text
    assert "Accueillir et orienter" not in savoir_etre.text

    # A level on a savoir-faire.
    listing = await bot.press_button(PAUL, savoir_etre, "Savoir-faire (6)")
    skill = await bot.press_button(PAUL, listing, "Tenir un planning")
    assert "Niveau : pas encore indiqué" in skill.text
    skill = await bot.press_button(PAUL, skill, "Expert")
    assert "Niveau : expert" in skill.text and bot.last_answer_text() == "Niveau enregistré."
    assert "✅ 🏆 Expert" in skill.labels

    # A réussite of the dossier as its evidence, chosen by button.
    choices = await bot.press_button(PAUL, skill, "Ajouter une preuve")
    assert "💼 Secrétaire médicale" in choices.labels
    assert "💼 Agent d'accueil en mairie" in choices.labels
    skill = await bot.press_button(PAUL, choices, "J'ai réorganisé")
    assert "Réussite 1 : « J'ai réorganisé le planning du cabinet" in skill.text
    starred = await bot.press_button(PAUL, skill, "Emporter dans mon projet")
    assert "⭐ Tenir un planning de rendez-vous" in starred.text

    # A sentence typed as evidence of another skill.
    listing = await bot.press_button(PAUL, starred, "Retour à la liste")
    assert "1. ⭐ " not in listing.text and "2. ⭐ Tenir un planning" in listing.text
    skill = await bot.press_button(PAUL, listing, "Rédiger des comptes rendus")
    choices = await bot.press_button(PAUL, skill, "Ajouter une preuve")
    prompt = await bot.press_button(PAUL, choices, "Écrire une phrase")
    assert "Rédiger des comptes rendus" in prompt.text
    await bot.send(PAUL, SENTENCE)
    skill = bot.telegram.last(PAUL.telegram_id)
    assert f"Preuve : avec vos mots, « {SENTENCE} »" in skill.text

    # A skill added by hand, a savoir-être, then starred too.
    listing = await bot.press_button(PAUL, skill, "Retour à la liste")
    kinds = await bot.press_button(PAUL, listing, "Ajouter une compétence")
    prompt = await bot.press_button(PAUL, kinds, "🤝 Savoir-être")
    assert "150 caractères au plus" in prompt.text
    refused = await bot.send(PAUL, "Patience " * 20)
    assert "150 caractères au plus" in refused.text and "Annuler" in refused.labels
    refused = await bot.send(PAUL, "x")
    assert "un peu court pour une compétence" in refused.text
    added = await bot.send(PAUL, "  Patience avec le public  ")
    assert "Origine : ajoutée par vous" in added.text and "Patience avec le public" in added.text
    added = await bot.press_button(PAUL, added, "Emporter dans mon projet")
    assert "Supprimer" in " ".join(added.labels) and "Masquer" not in " ".join(added.labels)

    # The same skill typed again is not added twice.
    kinds = await bot.press_button(PAUL, added, "Retour à la liste")
    kinds = await bot.press_button(PAUL, kinds, "Ajouter une compétence")
    await bot.press_button(PAUL, kinds, "🤝 Savoir-être")
    await bot.send(PAUL, "PATIENCE avec le public")
    texts = [m.text for m in bot.telegram.messages.values()]
    assert any("est déjà dans votre portefeuille" in t for t in texts)

    async with db.transaction() as session:
        dossier = await rights.collect(session, people.paul)
    carried = [r.data for r in dossier.parts["portfolio"] if r.data["carried"]]
    assert [(d["label"], d["level"]) for d in carried] == [
        ("Tenir un planning de rendez-vous", "expert"),
        ("Patience avec le public", None),
    ]
    assert carried[0]["evidence"] == {
        "source": "achievement",
        "ref": "reussite_1",
        "text": REUSSITE,
    }
    exported = dossier_json(dossier, "fr")["parts"]["portfolio"]
    typed = next(r["data"] for r in exported if r["data"]["label"] == "Rédiger des comptes rendus")
    assert typed["evidence"] == {"source": "own", "ref": None, "text": SENTENCE}
    _ = gettext_for("fr")
    sections = dict(portfolio_lines(dossier.parts["portfolio"], _))
    assert (
        "★ Tenir un planning de rendez-vous — expert"
        in sections["Savoir-faire (ce que vous savez faire)"]
    )
    assert f"    Preuve : {SENTENCE}" in sections["Savoir-faire (ce que vous savez faire)"]
    assert "★ Patience avec le public" in sections["Savoir-être (votre façon de faire)"]
    pdf = await asyncio.to_thread(build_pdf, dossier, "fr", "Europe/Paris")
    assert pdf.startswith(b"%PDF")


async def test_the_counsellor_reads_and_nobody_else_does(
    db: Database, people: People, bot: Harness
) -> None:
    await seed(db, people.paul)
    shown = await bot.send(PAUL, "/competences")
    skill = await bot.press_button(PAUL, shown, "Tenir un planning")
    skill = await bot.press_button(PAUL, skill, "Autonome")
    paul_id = people.paul.beneficiary_id

    card = await bot.send(CLAIRE, "/competences")
    assert "/beneficiaires" in card.text
    view = await bot.press(CLAIRE, card, f"pf:c:{paul_id}")
    assert "Portefeuille de compétences — Paul" in view.text
    assert "Tenir un planning de rendez-vous — autonome" in view.text
    assert "Retour à la fiche" in " ".join(view.labels)
    view = await bot.press_button(CLAIRE, view, "Savoir-être")
    assert "Rigueur" in view.text
    async with db.transaction() as session:
        actions = list(
            await session.scalars(
                select(AuditEvent.action).where(AuditEvent.beneficiary_id == paul_id)
            )
        )
    assert actions.count("read:portfolio") == 2

    # The counsellor presses one of Paul's buttons: refused with a reason, nothing changes.
    await bot.press(CLAIRE, view, skill.data_of("Expert"))
    assert "Seule la personne" in bot.last_answer_text()
    # Another counsellor, Léa, a stranger: refused alike.
    other = await bot.send(BRUNO, "/competences")
    await bot.press(BRUNO, other, f"pf:c:{paul_id}")
    assert bot.last_answer_text() == "Ce bouton n'est plus actif."
    lea = await bot.send(LEA, "/competences")
    await bot.press(LEA, lea, skill.data_of("Expert"))
    assert bot.last_answer_text() == "Ce bouton n'est plus actif."
    await bot.press(LEA, lea, f"pf:c:{paul_id}")
    assert bot.last_answer_text() == "Ce bouton n'est plus actif."
    stranger = await bot.send(STRANGER, "/competences")
    assert "Portefeuille" not in stranger.text
    async with db.transaction() as session:
        skills = await stored.read_portfolio(session, people.paul, paul_id)
    assert {s.level for s in skills if s.label.startswith("Tenir un planning")} == {"autonome"}


async def test_stale_and_forged_buttons_get_a_helpful_answer(
    db: Database, people: People, bot: Harness
) -> None:
    await seed(db, people.paul)
    shown = await bot.send(PAUL, "/competences")
    for forged in (
        "pf:s:999999",
        "pf:s:abc",
        "pf:v:1:z",
        "pf:l:q:0",
        "pf:zz:1",
        "pf:xe:1:99",
        "pf:s:" + "9" * 40,
    ):
        await bot.press(PAUL, shown, forged)
        assert bot.last_answer_text() == "Ce bouton n'est plus actif.", forged
    # An own skill deleted while its evidence was being typed: the sentence is not lost silently.
    kinds = await bot.press_button(PAUL, shown, "Ajouter une compétence")
    await bot.press_button(PAUL, kinds, "Savoir-faire")
    own = await bot.send(PAUL, "Souder à l'arc")
    choices = await bot.press_button(PAUL, own, "Ajouter une preuve")
    await bot.press_button(PAUL, choices, "Écrire une phrase")
    confirm = await bot.press_button(PAUL, own, "Supprimer")
    assert "Supprimer « Souder à l'arc »" in confirm.text
    await bot.press_button(PAUL, confirm, "La supprimer")
    assert bot.last_answer_text() == "Supprimée."
    after = await bot.send(PAUL, "J'ai soudé des portails.")
    assert after.text == ROUTER_FALLTHROUGH  # the wait went with the skill
    # A gathered skill is hidden, leaves the lists, and comes back on request.
    shown = await bot.send(PAUL, "/competences")
    skill = await bot.press_button(PAUL, shown, "Gérer les urgences")
    listing = await bot.press_button(PAUL, skill, "Masquer")
    assert bot.last_answer_text() == "Masquée."
    assert "Gérer les urgences" not in listing.text and "Savoir-faire (5)" in " ".join(
        listing.labels
    )
    shown = await bot.send(PAUL, "/competences")  # gathered again: still hidden
    assert "Gérer les urgences" not in shown.text
    hidden = await bot.press_button(PAUL, shown, "Compétences masquées (1)")
    back = await bot.press_button(PAUL, hidden, "Gérer les urgences")
    assert "Masquer" in " ".join(back.labels)


async def test_typed_text_waits_in_the_database_and_lapses(
    db: Database, people: People, bot: Harness
) -> None:
    await seed(db, people.paul)
    shown = await bot.send(PAUL, "/competences")
    kinds = await bot.press_button(PAUL, shown, "Ajouter une compétence")
    await bot.press_button(PAUL, kinds, "Savoir-faire")
    # Another process (a fresh Harness over the same database) reads the same wait.
    async with Harness(db) as other:
        added = await other.send(PAUL, "Conduire un chariot élévateur")
        assert "Ajoutée : « Conduire un chariot élévateur »" in " ".join(
            m.text for m in other.telegram.messages.values()
        )
        assert "Conduire un chariot élévateur" in added.text
    assert (await bot.send(PAUL, "encore du texte")).text == ROUTER_FALLTHROUGH
    # A wait older than 30 minutes no longer takes a message.
    async with db.transaction() as session:
        old = utcnow() - stored.INPUT_WAIT - timedelta(minutes=1)
        await stored.start_wait(session, people.paul, "label", kind="savoir_faire", now=old)
    assert (await bot.send(PAUL, "Piloter une équipe")).text == ROUTER_FALLTHROUGH
    # /annuler clears a fresh one.
    async with db.transaction() as session:
        await stored.start_wait(session, people.paul, "label", kind="savoir_faire")
    await bot.send(PAUL, "/annuler")
    assert (await bot.send(PAUL, "Piloter une équipe")).text == ROUTER_FALLTHROUGH
    # The Cancel button too.
    kinds = await bot.press_button(PAUL, shown, "Ajouter une compétence")
    prompt = await bot.press_button(PAUL, kinds, "Savoir-être")
    listing = await bot.press_button(PAUL, prompt, "Annuler")
    assert "Mon portefeuille" in listing.text
    assert (await bot.send(PAUL, "Patience")).text == ROUTER_FALLTHROUGH


async def test_english_and_an_empty_portfolio(db: Database, people: People, bot: Harness) -> None:
    empty = await bot.send(EMMA, "/competences")
    assert "My skills portfolio" in empty.text
    assert "/competences_metier" in empty.text and "None yet." in empty.text
    await seed(db, people.emma)
    shown = await bot.send(EMMA, "/competences")
    savoir_etre = await bot.press_button(EMMA, shown, "Savoir-être (5)")
    assert "Thoroughness" in savoir_etre.text and "Listening" in savoir_etre.text
    skill = await bot.press_button(EMMA, savoir_etre, "Thoroughness")
    assert "From: your dossier auto-bilan" in skill.text
    assert "Level: not set" in skill.text
    skill = await bot.press_button(EMMA, skill, "Beginner")
    assert "Level: beginner" in skill.text
    # Pressing the same level again removes it.
    skill = await bot.press_button(EMMA, skill, "Beginner")
    assert "Level: not set" in skill.text and bot.last_answer_text() == "Level removed."


async def test_a_large_portfolio_pages_within_telegram_limits(
    db: Database, people: People, bot: Harness
) -> None:
    long_items = "\n".join(
        f"- {'Savoir-faire très détaillé numéro ' + str(n):<148}" for n in range(40)
    )
    await seed(db, people.paul, {**DOSSIER_ANSWERS, "savoir_faire": long_items})
    async with db.transaction() as session:
        for n in range(stored.MAX_OWN):
            await stored.add_own_skill(session, people.paul, "savoir_faire", f"{'É' * 140} {n}")
    shown = await bot.send(PAUL, "/competences")
    pages = 1
    while "▶️" in shown.labels:
        assert sum(1 for d in shown.data if d.startswith("pf:s:")) == PAGE_SIZE
        shown = await bot.press_button(PAUL, shown, "▶️")
        pages += 1
    assert pages == -(-(40 + 1 + stored.MAX_OWN) // PAGE_SIZE)
    # Every screen passed the fake API's checks: HTML, 4096 characters, 64-byte data.
    kinds = await bot.press_button(PAUL, shown, "Ajouter une compétence")
    await bot.press_button(PAUL, kinds, "Savoir-faire")
    full = await bot.send(PAUL, "Une de plus")
    assert "autant de compétences" in full.text


async def test_queries_per_press(db: Database, people: People, bot: Harness) -> None:
    """Figures for the report: statements per open (with gathering) and per press."""
    await seed(db, people.paul)
    shown = await bot.send(PAUL, "/competences")
    with counted(db) as opening:
        began = time.perf_counter()
        shown = await bot.send(PAUL, "/competences")
        open_ms = (time.perf_counter() - began) * 1000
    with counted(db) as showing:
        skill = await bot.press_button(PAUL, shown, "Tenir un planning")
    with counted(db) as leveling:
        await bot.press_button(PAUL, skill, "Expert")
    with counted(db) as paging:
        await bot.press_button(PAUL, shown, "Savoir-être")
    print(
        f"\nstatements: open {len(opening)} ({open_ms:.0f} ms), show a skill {len(showing)}, "
        f"set a level {len(leveling)}, change tab {len(paging)}"
    )
    assert len(opening) <= 20 and len(showing) <= 8 and len(leveling) <= 10 and len(paging) <= 8
    assert isinstance(people.claire, CounsellorActor)
