"""Enquêtes métiers through the real bot process, from the resource file to the synthesis.

The administrator imports the organisation's file (``bilan-bot contacts
import``). Paul explores nursing: he prepares an enquête with someone of his
own, and reads the guide (our questions, the ROME sheet's skills and work
contexts). His counsellor opens his card, sees the file's nurse matching that
métier, and shares her; Paul receives her card, prepares an enquête with her,
notes the meeting date (a reminder is queued for the day before), and after
the meeting reports it. His counsellor is told and reads the report; another
counsellor's forged buttons reach nothing. The next synthesis draft quotes
Paul's words, marked with their source. Last, the contact asks to be erased:
her details leave Paul's screens, his report stays his.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from docx import Document
from sqlalchemy import select

from storage.db import Database
from storage.outbox import OutboxMessage, OutboxStatus
from tests.e2e.conftest import COUNSELLOR_ID, assert_clean_log, start_polling
from tests.e2e.harness import BotEnvironment, BotProcess, wait_until
from tests.e2e.people import onboard
from tests.fakebotapi import BotMessage, FakeBotApi, FakeUser

OTHER = 222
PAUL = 5301
FILE = (
    "kind;name;role;organisation;reach;area;rome_codes;job_titles;agreed_on;agreed_how;mention\n"
    "professionnel;Sophie Lenoir;Infirmière;Clinique du Parc;06 12 34 56 78;Lyon;J1506;;"
    "2026-01-10;par téléphone;de la part du centre de bilan\n"
    "entreprise;Boulangerie Durand;;;04 00 00 00 00;;D1102;;2026-01-10;courriel;\n"
)
LEARNED = "Les gardes de nuit fatiguent, mais le travail en équipe me plaît beaucoup."
NEXT = "Faire un stage d'observation en service de soins"


def _reminders(url: str) -> list[tuple[str, OutboxStatus]]:
    async def read() -> list[tuple[str, OutboxStatus]]:
        db = Database(url)
        try:
            async with db.transaction() as session:
                rows = await session.execute(
                    select(OutboxMessage.dedupe_key, OutboxMessage.status).where(
                        OutboxMessage.kind == "enquete_reminder"
                    )
                )
                return [(key, status) for key, status in rows]
        finally:
            await db.dispose()

    return asyncio.run(read())


WAIT = 30  # seconds: a loaded 2-core machine runs two bots and PostgreSQL at once


def tap(user: FakeUser, message: BotMessage, label: str, expect: str = "") -> BotMessage:
    """Press the button labelled like ``label``; the bot's answer holding ``expect``."""
    user.press(message.button(label).data or "", message.message_id)
    return user.wait_for_reply(lambda m: expect in m.content, timeout=WAIT)


def type_into(user: FakeUser, text: str, expect: str) -> BotMessage:
    user.send_text(text)
    return user.wait_for_reply(lambda m: expect in m.content, timeout=WAIT)


def move_phase(claire: FakeUser, card: BotMessage, label: str, shown: str) -> BotMessage:
    confirm = tap(claire, card, label, "Faire évoluer le bilan")
    return tap(claire, confirm, "Confirmer", shown)


def _document(user: FakeUser, ending: str) -> BotMessage:
    return user.wait_for_reply(
        lambda m: m.document is not None and (m.file_name or "").endswith(ending), timeout=60
    )


def test_share_prepare_report_notify_and_quote(
    api: FakeBotApi, environment: BotEnvironment, tmp_path: Path
) -> None:
    environment.cli("counsellor", "add", "--telegram-id", str(OTHER), "--name", "Bruno Petit")
    file = tmp_path / "contacts.csv"
    file.write_text(FILE, encoding="utf-8")
    imported = environment.cli("contacts", "import", str(file))
    assert "2 added" in imported.stdout
    bot = BotProcess(environment).start()
    try:
        start_polling(api, bot)
        _scenario(api, environment)
        wait_until(lambda: api.calls("getUpdates"), timeout=15)
    finally:
        bot.stop()
    assert_clean_log(bot.log())
    assert "Lenoir" not in bot.log() and LEARNED not in bot.log()
    # Every screen is HTML read as HTML (the application's default parse mode): no tag shows.
    assert not [m.content for m in api.messages(PAUL) if "<b>" in m.content]


def _scenario(api: FakeBotApi, environment: BotEnvironment) -> None:
    paul = onboard(api, "Paul Durand", PAUL)
    claire = api.user(COUNSELLOR_ID, "Claire")
    bruno = api.user(OTHER, "Bruno")

    # Claire adds a tutor to the file in the chat: no entry without the way they agreed.
    claire.send_command("contacts")
    listed = claire.wait_for_reply(lambda m: "2 contacts" in m.content, timeout=WAIT)
    kinds = tap(claire, listed, "Ajouter un contact", "Qui est le nouveau contact")
    tap(claire, kinds, "Un tuteur ou une tutrice", "Écrivez le nom du contact")
    type_into(claire, "Marc Aide", "comment le ou la joindre")
    type_into(claire, "06 98 76 54 32", "code ROME")
    codes = type_into(claire, "J1501", "Métiers retenus")
    assert "J1501" in codes.content
    tap(claire, codes, "C'est tout", "Comment a-t-il ou elle accepté")
    added = type_into(claire, "en personne, au forum des métiers", "Ajouté au fichier")
    assert "Accord donné le" in added.content and "au forum des métiers" in added.content

    # Paul explores nursing with someone he knows, and reads the guide.
    paul.send_command("enquetes")
    home = paul.wait_for_reply(lambda m: "Vos enquêtes métiers" in m.content, timeout=WAIT)
    assert not home.has_button("Contacts qui m'ont été transmis")
    how = tap(paul, home, "Préparer une enquête", "Qui allez-vous rencontrer")
    assert not how.has_button("Un contact transmis")
    tap(paul, how, "Quelqu'un que je connais", "Quel métier voulez-vous explorer")
    titles = type_into(paul, "infirmier en soins généraux", "Lequel de ces métiers")
    tap(paul, titles, "Infirmier / Infirmière en soins généraux", "Qui allez-vous rencontrer")
    guide = type_into(paul, "ma cousine, infirmière de nuit", "Guide de l'enquête métier")
    for expected in (
        "Avec : ma cousine, infirmière de nuit",
        "Le quotidien",
        "fourchette de salaire",
        "Compétences que la fiche ROME associe à ce métier",
        "Réaliser des soins infirmiers",
        "Conditions que la fiche ROME décrit",
        "Travail de nuit",
        "ROME 4.0, France Travail",
    ):
        assert expected in guide.content, expected

    # Claire opens Paul's card: the file's nurse matches the métier he explores.
    claire.send_command("beneficiaires")
    listing = claire.wait_for_reply(lambda m: m.has_button("Paul Durand"), timeout=WAIT)
    bid = int(listing.button("Paul Durand").data.split(":")[1])  # type: ignore[union-attr]
    claire.press(f"c:{bid}", listing.message_id)
    card = claire.wait_for_reply(lambda m: "Questionnaires" in m.content, timeout=WAIT)
    contacts = tap(claire, card, "Enquêtes métiers et contacts", "Contacts pour Paul Durand")
    assert "Sophie Lenoir" in contacts.content and "même métier" in contacts.content
    assert "Marc Aide" in contacts.content and "même domaine" in contacts.content
    assert "Boulangerie" not in contacts.content

    # Bruno, another counsellor, forges the same presses: refused alike.
    bruno.send_command("contacts")
    own = bruno.wait_for_reply(
        lambda m: "fichier des personnes ressources" in m.content, timeout=WAIT
    )
    share_data = contacts.button("Partager Sophie Lenoir").data or ""
    for data in (f"ct:b:{bid}", share_data):
        press = bruno.press(data, own.message_id)
        assert "plus actif" in (bruno.callback_answer(press).text or ""), data

    # Claire shares; Paul receives the card through the outbox.
    claire.press(share_data, contacts.message_id)
    claire.wait_for_reply(lambda m: "Paul Durand en reçoit la fiche" in m.content, timeout=WAIT)
    received = paul.wait_for_reply(
        lambda m: "vous a transmis un contact" in m.content, timeout=WAIT
    )
    for expected in ("Sophie Lenoir", "06 12 34 56 78", "de la part du centre de bilan"):
        assert expected in received.content
    assert "par téléphone" not in received.content  # how she agreed is the file's, not Paul's

    # Paul prepares with her: the guide, then the meeting date, which queues a reminder.
    guide = tap(paul, received, "Préparer une enquête avec ce contact", "Guide de l'enquête")
    assert "Avec : Sophie Lenoir" in guide.content
    tap(paul, guide, "Date de la rencontre", "Quand a lieu la rencontre")
    noted = type_into(paul, "demain 14h", "Rencontre notée")
    assert "je vous le rappellerai la veille" in noted.content
    assert "Le quotidien" not in noted.content and noted.has_button("Relire le guide")
    [(key, status)] = _reminders(environment.database_url)
    assert key.startswith("enq:") and key.endswith(":remind") and status == OutboxStatus.PENDING

    # After the meeting, the report; the next step goes into his plan.
    when = tap(paul, noted, "Faire le compte rendu", "Quand la rencontre a-t-elle eu lieu")
    tap(paul, when, "Aujourd'hui", "Qu'avez-vous appris")
    confirms = type_into(paul, LEARNED, "confirme-t-il votre projet")
    tap(paul, confirms, "En partie", "Que ferez-vous ensuite")
    done = type_into(paul, NEXT, "votre compte rendu est enregistré")
    assert LEARNED in done.content and "Confirme le projet : en partie" in done.content
    assert _reminders(environment.database_url) == [(key, OutboxStatus.CANCELLED)]
    planned = tap(paul, done, "Ajouter la suite à mon plan", "Proposé dans votre plan")
    assert not planned.has_button("Ajouter la suite")

    # Claire is told, and reads the report.
    told = claire.wait_for_reply(lambda m: "a fait le compte rendu" in m.content, timeout=WAIT)
    assert "Paul Durand" in told.content and "en partie" in told.content
    assert LEARNED not in told.content  # the words are behind one more tap
    claire.press(told.button("Lire le compte rendu").data or "", told.message_id)
    report = claire.wait_for_reply(
        lambda m: "Enquêtes métiers de Paul Durand" in m.content, timeout=WAIT
    )
    assert LEARNED in report.content and NEXT in report.content
    assert "1 compte rendu · 1 en préparation" in report.content

    # The next synthesis draft quotes the report in the project section.
    claire.press(f"c:{bid}", report.message_id)
    card = claire.wait_for_reply(lambda m: "Questionnaires" in m.content, timeout=WAIT)
    card = move_phase(claire, card, "Passer en phase d'investigation", "Phase d'investigation")
    card = move_phase(claire, card, "Passer en phase de conclusion", "Phase de conclusion")
    screen = tap(claire, card, "📝 Synthèse", "Pas encore de brouillon")
    claire.press(screen.button("Générer un brouillon").data or "", screen.message_id)
    docx = _document(claire, ".docx")
    assert docx.document is not None
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.document)).paragraphs)
    assert "enquêtes métiers" in text
    assert LEARNED in text and NEXT in text
    assert "Enquête métier du" in text  # the source printed with the words
    assert "Lenoir" not in text  # the contact is never named in the document

    # The contact asks to be erased: gone from Paul's screens, his words stay.
    contact_id = share_data.split(":")[3]
    erased = environment.cli("contacts", "erase", "--id", contact_id)
    assert "gone from 1 beneficiary card" in erased.stdout
    paul.send_command("enquetes")
    home = paul.wait_for_reply(lambda m: "Vos enquêtes métiers" in m.content, timeout=WAIT)
    shared = tap(paul, home, "Contacts qui m'ont été transmis", "transmis")
    assert "Sophie Lenoir" not in shared.content and "06 12 34" not in shared.content
    mine = tap(paul, home, "✅ Infirmier", "Ce qui en ressort")
    assert LEARNED in mine.content and "effacé depuis" in mine.content
