"""The skills portfolio (``/competences``), through the real bot process.

Paul's dossier auto-bilan is sent and the ROME skills of his job ticked
(written through storage, as the questionnaire and ``/competences_metier``
leave them). In the investigation phase his menu opens the portfolio: the
savoir-faire and savoir-être gathered from both sources, apart. He sets a
level, attaches a réussite of his dossier and a sentence he types as
evidence, adds a skill by hand, stars two skills, and ``/annuler`` stops the
bot from taking his next message for a skill. His counsellor reads it all from
the card without a button to change it; another counsellor, forging the
buttons, reads nothing of it.
"""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime, timedelta

from dialogues.instruments import load_all
from dialogues.rome import load_rome
from storage import crypto
from storage.actors import BeneficiaryActor, resolve_actor
from storage.db import Database
from storage.responses import open_run, save_answer, submit_run
from storage.skills import choose_job, save_skills, toggle_draft_skill
from tests.e2e.conftest import COUNSELLOR_ID, assert_clean_log, start_polling
from tests.e2e.harness import BotEnvironment, BotProcess
from tests.e2e.people import onboard
from tests.fakebotapi import BotMessage, FakeBotApi, FakeUser
from tests.synthesis_persona import TYPED, dossier_answers

PAUL = 5001
OTHER = 222
DOSSIER = "dossier_auto_bilan"
JOB = ("10891", "J1501")  # aide-soignant, as in tests/synthesis_persona.py
ROME_SAVOIR_FAIRE = "487074"
ROME_SAVOIR_ETRE = "300412"
SENTENCE = "J'explique chaque geste aux stagiaires avant de les laisser faire seuls."
OWN_SKILL = "Conduire un minibus scolaire"
NOT_ADDED = "Patience avec les enfants"
# What the dossier gives (tests/synthesis_persona.py): four typed savoir-faire, four qualities.
DOSSIER_SAVOIR_FAIRE = (
    "Accompagner les personnes âgées",
    "Transmettre les consignes",
    "Former les stagiaires",
    "Gérer les situations d'urgence",
)
DOSSIER_SAVOIR_ETRE = ("Écoute", "Pédagogie", "Calme sous pression", "Esprit d'équipe")
PRIVATE = ("stagiaires", "Pédagogie", "livret", "minibus", "Paul")


# --- seeding, as the questionnaire and /competences_metier leave it -------------------------


async def _seed(database_url: str, telegram_id: int) -> int:
    """Send Paul's dossier and tick two ROME skills of his job; his beneficiary id."""
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            actor = await resolve_actor(session, telegram_id)
        assert isinstance(actor, BeneficiaryActor)
        when = datetime.now(UTC) - timedelta(days=3)
        instrument = load_all()[DOSSIER]
        async with db.transaction() as session:
            run = await open_run(session, actor, DOSSIER, instrument.version)
            for answer_id, value in dossier_answers().items():
                await save_answer(session, actor, run.id, answer_id, value, None, now=when)
            await submit_run(session, actor, run.id, now=when)
        async with db.transaction() as session:
            await choose_job(session, actor, *JOB)
            for skill in (ROME_SAVOIR_FAIRE, ROME_SAVOIR_ETRE):
                await toggle_draft_skill(session, actor, skill)
            await save_skills(session, actor)
        return actor.beneficiary_id
    finally:
        await db.dispose()


def seed(environment: BotEnvironment, telegram_id: int) -> int:
    # The bot process decrypts what this process encrypts: one key for both.
    crypto.configure(environment.encryption_key)
    return asyncio.run(_seed(environment.database_url, telegram_id))


# --- pressing and reading ---------------------------------------------------------------------


def tap(user: FakeUser, message: BotMessage, label: str, expect: str = "") -> BotMessage:
    """Press the button labelled like ``label`` on ``message``; the answer holding ``expect``."""
    user.press(message.button(label).data or "", message.message_id)
    return user.wait_for_reply(lambda m: expect in m.content)


def notice(user: FakeUser) -> str:
    """The little notice Telegram shows for the user's last press."""
    return user.callback_answer().text or ""


def skill_ids(message: BotMessage) -> dict[str, int]:
    """Skill label (as on its button, marks included) → id, from a list screen."""
    found = {}
    for b in message.flat_buttons:
        if b.data and (m := re.fullmatch(r"pf:s:(\d+)", b.data)):
            found[b.text] = int(m.group(1))
    return found


def type_into(user: FakeUser, text: str, expect: str) -> BotMessage:
    user.send_text(text)
    return user.wait_for_reply(lambda m: expect in m.content)


def test_portfolio_end_to_end(api: FakeBotApi, environment: BotEnvironment) -> None:
    began = time.monotonic()
    environment.cli("counsellor", "add", "--telegram-id", str(OTHER), "--name", "Bruno Petit")
    bot = BotProcess(environment).start()
    try:
        start_polling(api, bot)
        _scenario(api, environment)
    finally:
        bot.stop()
    log = bot.log()
    assert_clean_log(log)
    assert not any(text in log for text in (*PRIVATE, SENTENCE, NOT_ADDED)), "personal text logged"
    print(f"\nportfolio end to end: {time.monotonic() - began:.1f} s")


def _scenario(api: FakeBotApi, environment: BotEnvironment) -> None:
    rome = load_rome()
    rome_sf = rome.skill(ROME_SAVOIR_FAIRE).label
    rome_se = rome.skill(ROME_SAVOIR_ETRE).label
    paul = onboard(api, "Paul Durand", PAUL)
    claire = api.user(COUNSELLOR_ID, "Claire")

    # In the preliminary phase, the portfolio is not in the menu yet.
    paul.send_command("menu")
    menu = paul.wait_for_reply(lambda m: m.content.startswith("Votre menu"))
    assert not menu.has_button("portefeuille")

    # The counsellor moves Paul into the investigation phase.
    claire.send_command("beneficiaires")
    listing = claire.wait_for_reply(lambda m: "Paul Durand" in str(m.reply_markup))
    card = tap(claire, listing, "Paul Durand", "Questionnaires")
    confirm = tap(claire, card, "Passer en phase d'investigation")
    card = tap(claire, confirm, "Confirmer", "Phase d'investigation")
    assert card.has_button("🎒 Portefeuille de compétences")

    paul_id = seed(environment, PAUL)
    assert card.button("Portefeuille").data == f"pf:c:{paul_id}"

    # The menu opens the portfolio: savoir-faire first, gathered from the dossier and ROME.
    paul.send_command("menu")
    menu = paul.wait_for_reply(lambda m: m.content.startswith("Votre menu"))
    listed = tap(paul, menu, "🎒 Mon portefeuille de compétences", "Mon portefeuille")
    text = listed.content
    assert "Savoir-faire : 5 · Savoir-être : 5 · ⭐ à emporter dans le projet : 0" in text
    assert "🛠 Savoir-faire (ce que vous savez faire)" in text
    for label in (*DOSSIER_SAVOIR_FAIRE, rome_sf):
        assert label in text, label
    assert not any(label in text for label in (*DOSSIER_SAVOIR_ETRE, rome_se))
    assert listed.has_button("• 🛠 Savoir-faire (5)") and listed.has_button("🤝 Savoir-être (5)")
    assert listed.has_button("➕ Ajouter une compétence")

    # Savoir-être apart, on their own tab.
    etre = tap(paul, listed, "🤝 Savoir-être (5)", "votre façon de faire")
    for label in (*DOSSIER_SAVOIR_ETRE, rome_se):
        assert label in etre.content, label
    assert not any(label in etre.content for label in DOSSIER_SAVOIR_FAIRE)

    # A sentence of his own as evidence for "Pédagogie", and a star.
    skill = tap(paul, etre, "Pédagogie", "Origine")
    assert "Origine : votre dossier d'auto-bilan" in skill.content
    assert "Niveau : pas encore indiqué" in skill.content
    assert "Preuve : aucune pour l'instant" in skill.content
    choices = tap(paul, skill, "📎 Ajouter une preuve", "Une preuve pour")
    prompt = tap(paul, choices, "✍️ Écrire une phrase", "Écrivez en un message")
    assert "« Pédagogie »" in prompt.content and prompt.has_button("Annuler")
    paul.send_text(SENTENCE)
    paul.wait_for_reply(lambda m: m.content == "Preuve enregistrée.")
    skill = paul.wait_for_reply(lambda m: "Origine" in m.content)
    assert f"Preuve : avec vos mots, « {SENTENCE} »" in skill.content
    assert skill.has_button("📎 Changer la preuve")
    skill = tap(paul, skill, "⭐ Emporter dans mon projet", "emportez")
    assert "⭐ Vous l'emportez dans votre projet." in skill.content
    assert notice(paul) == "⭐ Emportée dans votre projet."
    pedagogy = skill_ids(tap(paul, skill, "Retour à la liste", "votre façon de faire"))
    assert "⭐ Pédagogie" in pedagogy

    # A level and a réussite of the dossier as evidence for "Former les stagiaires", and a star.
    paul.send_command("competences")
    listed = paul.wait_for_reply(lambda m: "ce que vous savez faire" in m.content)
    ids = skill_ids(listed)
    skill = tap(paul, listed, "Former les stagiaires", "Origine")
    skill = tap(paul, skill, "🏆 Expert", "Niveau : expert")
    assert notice(paul) == "Niveau enregistré."
    assert skill.has_button("✅ 🏆 Expert") and not skill.has_button("✅ 🌱")
    choices = tap(paul, skill, "📎 Ajouter une preuve", "Une preuve pour")
    assert "Quelle expérience ou quelle réussite de votre dossier le montre" in choices.content
    for choice in ("💼 Aide-soignante en EHPAD", "💼 Agente de service hospitalier", "🏅 J'ai"):
        assert choices.has_button(choice), choice
    skill = tap(paul, choices, "🏅 J'ai conçu", "Réussite 1")
    assert f"Preuve : Réussite 1 : « {TYPED['reussite_1']} »" in skill.content
    assert notice(paul) == "Preuve enregistrée."
    skill = tap(paul, skill, "⭐ Emporter dans mon projet", "emportez")
    listed = tap(paul, skill, "Retour à la liste", "ce que vous savez faire")
    assert "⭐ Former les stagiaires — expert" in listed.content
    assert "⭐ 🏆 Former les stagiaires" in skill_ids(listed)

    # A skill ticked on the job says where it comes from.
    # Its button is cut after a whole word; its first five words tell it from the dossier's
    # "Gérer les situations d'urgence".
    skill = tap(paul, listed, " ".join(rome_sf.split()[:5]), "Origine")
    assert "Origine : les compétences cochées pour votre métier (ROME)" in skill.content
    assert skill.has_button("🙈 Masquer") and not skill.has_button("Supprimer")

    # A skill added by hand.
    listed = tap(paul, skill, "Retour à la liste", "ce que vous savez faire")
    kinds = tap(paul, listed, "➕ Ajouter une compétence", "Quel type de compétence")
    tap(paul, kinds, "🛠 Savoir-faire", "Écrivez ce savoir-faire en un message")
    paul.send_text(OWN_SKILL)
    paul.wait_for_reply(lambda m: m.content == f"Ajoutée : « {OWN_SKILL} ».")
    skill = paul.wait_for_reply(lambda m: "Origine" in m.content)
    assert "Origine : ajoutée par vous" in skill.content and OWN_SKILL in skill.content
    assert skill.has_button("🗑 Supprimer") and not skill.has_button("Masquer")

    # /annuler: the next message is no longer taken for a skill.
    listed = tap(paul, skill, "Retour à la liste", "ce que vous savez faire")
    assert OWN_SKILL in listed.content and listed.has_button("🛠 Savoir-faire (6)")
    kinds = tap(paul, listed, "➕ Ajouter une compétence", "Quel type de compétence")
    tap(paul, kinds, "🤝 Savoir-être", "Écrivez ce savoir-être en un message")
    paul.send_command("annuler")
    paul.wait_for_reply(lambda m: m.content.startswith("C'est arrêté."))
    said = type_into(paul, NOT_ADDED, "Je n'attendais pas de message ici")
    assert "Ajoutée" not in said.content
    paul.send_command("competences")
    listed = paul.wait_for_reply(lambda m: "ce que vous savez faire" in m.content)
    assert "Savoir-faire : 6 · Savoir-être : 5 · ⭐ à emporter dans le projet : 2" in listed.content
    etre = tap(paul, listed, "🤝 Savoir-être (5)", "votre façon de faire")
    assert NOT_ADDED not in etre.content
    train = ids["Former les stagiaires"]

    # The counsellor reads it from the card: the stars, levels and evidence, nothing to change.
    shown = tap(claire, card, "🎒 Portefeuille de compétences", "Portefeuille de compétences —")
    text = shown.content
    assert "Portefeuille de compétences — Paul Durand" in text
    assert "Savoir-faire : 6 · Savoir-être : 5 · ⭐ à emporter dans le projet : 2" in text
    assert "⭐ Former les stagiaires — expert 📎" in text
    assert TYPED["reussite_1"] in text and OWN_SKILL in text
    assert "Les niveaux sont ceux que la personne s'attribue elle-même." in text
    assert all(d.startswith((f"pf:c:{paul_id}", f"c:{paul_id}")) for d in shown.callback_data)
    shown = tap(claire, shown, "🤝 Savoir-être (5)", "votre façon de faire")
    assert "⭐ Pédagogie 📎" in shown.content and SENTENCE in shown.content
    assert shown.has_button("⬅️ Retour à la fiche")
    press = claire.press(f"pf:t:{train}", shown.message_id)  # forged: she only reads
    refused = claire.callback_answer(press)
    assert refused.show_alert and (refused.text or "").startswith("Seule la personne concernée")

    # Another counsellor, forging the buttons, reads nothing of it.
    bruno = api.user(OTHER, "Bruno")
    bruno.send_command("competences")
    assert "/beneficiaires" in bruno.wait_for_reply().content
    bruno.send_command("beneficiaires")
    own = bruno.wait_for_reply()
    assert "Paul" not in own.content
    for data in (f"pf:c:{paul_id}", f"pf:c:{paul_id}:e:0", f"pf:s:{train}", f"pf:t:{train}"):
        press = bruno.press(data, own.message_id)
        said_text = bruno.callback_answer(press).text or ""
        assert not any(word in said_text for word in PRIVATE), data
    assert not any(word in m.content for m in bruno.messages() for word in PRIVATE), (
        "Bruno was shown Paul's portfolio"
    )

    # Nor does Paul reach the counsellor's view, and nothing moved.
    press = paul.press(f"pf:c:{paul_id}", etre.message_id)
    assert paul.callback_answer(press).text == "Ce bouton n'est plus actif."
    claire.press(f"pf:c:{paul_id}", shown.message_id)
    again = claire.wait_for_reply(lambda m: "ce que vous savez faire" in m.content)
    assert "⭐ Former les stagiaires — expert 📎" in again.content
    assert "⭐ à emporter dans le projet : 2" in again.content
