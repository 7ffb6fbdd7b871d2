"""The document de synthèse from draft to delivery, through the real bot process.

Sophie's bilan is complete (dossier, interests, values, ticked job skills, a
skills portfolio with two skills carried, an action plan): it is written in
the bot's database as the bot writes it (``tests/synthesis_persona.py``).
Then everything goes through Telegram. The counsellor moves the bilan to
its conclusion, asks for a draft and receives the DOCX and the PDF, sends
back a PDF by mistake (refused with a reason) then the DOCX she edited;
Sophie reads it, comments (the counsellor reads the comment), agrees; the
counsellor delivers; Sophie receives the final PDF, then the question on
keeping a copy, refuses, and receives the record of her answer. The
organisation's copy is then gone from the database. Another counsellor's
forged buttons reach none of it.
"""

from __future__ import annotations

import asyncio
import io
from datetime import date

from docx import Document
from pypdf import PdfReader
from sqlalchemy import func, select

from storage.actors import BeneficiaryActor, CounsellorActor, resolve_actor
from storage.db import Database
from storage.models import AuditEvent
from storage.synthesis import SynthesisComment, SynthesisRow, SynthesisVersion
from tests.e2e.conftest import COUNSELLOR_ID, assert_clean_log, start_polling
from tests.e2e.harness import BotEnvironment, BotProcess, wait_until
from tests.e2e.people import onboard
from tests.e2e.test_followup import move_phase, tap
from tests.fakebotapi import BotMessage, FakeBotApi, FakeUser
from tests.pdf_text import flat, pdf_text
from tests.synthesis_persona import MAIN_PROJECT, TYPED, seed

OTHER = 222
SOPHIE = 5101
COMMENT = "Pouvez-vous ajouter mon bénévolat à la Croix-Rouge ?"
WRITTEN = "Sophie a montré pendant le bilan un vrai goût pour la transmission."


def _actors(url: str) -> tuple[BeneficiaryActor, CounsellorActor]:
    async def find() -> tuple[BeneficiaryActor, CounsellorActor]:
        db = Database(url)
        try:
            async with db.transaction() as session:
                sophie = await resolve_actor(session, SOPHIE)
                claire = await resolve_actor(session, COUNSELLOR_ID)
        finally:
            await db.dispose()
        assert isinstance(sophie, BeneficiaryActor) and isinstance(claire, CounsellorActor)
        return sophie, claire

    return asyncio.run(find())


def _seed(url: str, sophie: BeneficiaryActor, claire: CounsellorActor) -> None:
    async def write() -> None:
        db = Database(url)
        try:
            await seed(db, sophie, claire, date.today())
        finally:
            await db.dispose()

    asyncio.run(write())


def _kept(url: str, beneficiary_id: int) -> tuple[int, int, bool, list[str]]:
    """Versions and comments left, whether the delivery is on record, the audited actions."""

    async def count() -> tuple[int, int, bool, list[str]]:
        db = Database(url)
        try:
            async with db.transaction() as session:
                versions = await session.scalar(
                    select(func.count()).where(SynthesisVersion.beneficiary_id == beneficiary_id)
                )
                comments = await session.scalar(
                    select(func.count()).where(SynthesisComment.beneficiary_id == beneficiary_id)
                )
                row = await session.get(SynthesisRow, beneficiary_id)
                actions = list(
                    await session.scalars(
                        select(AuditEvent.action)
                        .where(
                            AuditEvent.beneficiary_id == beneficiary_id,
                            AuditEvent.action.like("synthesis:%"),
                        )
                        .order_by(AuditEvent.id)
                    )
                )
        finally:
            await db.dispose()
        delivered = row is not None and row.delivered_sha256 is not None
        return int(versions or 0), int(comments or 0), delivered, actions

    return asyncio.run(count())


def _document(user: FakeUser, ending: str) -> BotMessage:
    return user.wait_for_reply(
        lambda m: m.document is not None and (m.file_name or "").endswith(ending), timeout=30
    )


def _edited(docx: bytes) -> bytes:
    """What a counsellor does in Word: write where the draft asks (all but the last
    prompt, left for later), add a sentence."""
    document = Document(io.BytesIO(docx))
    prompts = [p for p in document.paragraphs if p.text.startswith("✎")]
    for paragraph in prompts[:-1]:
        paragraph.text = WRITTEN
    document.add_paragraph("Entretien de restitution tenu le 20 novembre.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_draft_edit_review_delivery_and_refused_retention(
    api: FakeBotApi, environment: BotEnvironment
) -> None:
    environment.cli("counsellor", "add", "--telegram-id", str(OTHER), "--name", "Bruno Petit")
    bot = BotProcess(environment).start()
    try:
        start_polling(api, bot)
        _scenario(api, environment)
        wait_until(lambda: api.calls("getUpdates"), timeout=15)
    finally:
        bot.stop()
    assert_clean_log(bot.log())


def _scenario(api: FakeBotApi, environment: BotEnvironment) -> None:
    sophie = onboard(api, "Sophie Marchand", SOPHIE)
    claire = api.user(COUNSELLOR_ID, "Claire")
    bruno = api.user(OTHER, "Bruno")
    sophie_actor, claire_actor = _actors(environment.database_url)
    _seed(environment.database_url, sophie_actor, claire_actor)
    bid = sophie_actor.beneficiary_id

    # To the conclusion phase; the card then offers the synthesis.
    claire.send_command("beneficiaires")
    listing = claire.wait_for_reply()
    claire.press(f"c:{bid}", listing.message_id)
    card = claire.wait_for_reply(lambda m: "Questionnaires" in m.content)
    assert not card.has_button("Synthèse")
    card = move_phase(claire, card, "Passer en phase d'investigation", "Phase d'investigation")
    card = move_phase(claire, card, "Passer en phase de conclusion", "Phase de conclusion")
    screen = tap(claire, card, "📝 Synthèse", "Pas encore de brouillon")

    # The draft: both files, built from the stored material.
    claire.press(screen.button("Générer un brouillon").data or "", screen.message_id)
    docx = _document(claire, ".docx")
    pdf = _document(claire, ".pdf")
    ready = claire.wait_for_reply(lambda m: "Version 1 (brouillon généré" in m.content)
    assert pdf.document is not None and pdf.document.startswith(b"%PDF")
    # Named in the counsellor's language.
    assert docx.file_name == "Synthèse - Sophie Marchand - v1.docx"
    assert pdf.file_name == "Synthèse - Sophie Marchand - v1.pdf"
    assert "Version de travail du" in pdf_text(pdf.document)
    assert docx.document is not None
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.document)).paragraphs)
    for title in (
        "Circonstances du bilan",
        "Compétences et aptitudes",
        "Projet professionnel",
        "Facteurs favorables",
        "Principales étapes",
    ):
        assert title in text
    assert TYPED["reussite_1"] in text and MAIN_PROJECT in text
    assert "Lombalgie" not in text  # health answers are never copied
    assert "passages sont encore marqués" in ready.content

    # A PDF sent by mistake is refused with a reason; the edited DOCX becomes version 2.
    claire.press(ready.button("Envoyer une version modifiée").data or "", ready.message_id)
    claire.wait_for_reply(lambda m: "Envoyez-moi maintenant le fichier modifié" in m.content)
    claire.send_text("Je vous l'envoie tout de suite")
    claire.wait_for_reply(lambda m: "en tant que document (📎)" in m.content)
    claire.send_document(pdf.document, "synthese.pdf", "application/pdf")
    claire.wait_for_reply(lambda m: "document modifiable" in m.content)
    claire.send_document(
        _edited(docx.document),
        "synthese-modifiee.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    second = _document(claire, ".pdf")
    assert "Version 2 enregistrée" in second.content
    screen = claire.wait_for_reply(lambda m: "Version 2 (fichier modifié" in m.content)
    assert "✎ 1 passage" in screen.content

    # Another counsellor's forged presses reach nothing.
    bruno.send_command("beneficiaires")
    own = bruno.wait_for_reply()
    for data in (f"sy:{bid}", f"sy:{bid}:d", f"sy:{bid}:g", f"sy:{bid}:u", f"sy:{bid}:f:ok"):
        press = bruno.press(data, own.message_id)
        assert "plus actif" in (bruno.callback_answer(press).text or ""), data
    bruno.send_document(b"PK fake", "pirate.docx")
    assert "Pour envoyer une synthèse modifiée" in bruno.wait_for_reply().content
    assert not [m for m in bruno.messages() if m.document is not None]

    # Sophie reads version 2, comments; Claire reads the comment.
    anyway = tap(claire, screen, "La montrer à", "La montrer à Sophie Marchand telle quelle")
    claire.press(anyway.button("La montrer quand même").data or "", anyway.message_id)
    review = _document(sophie, ".pdf")
    assert "version 2" in review.content and review.has_button("J'approuve")
    claire.wait_for_reply(lambda m: "Montrée à Sophie Marchand" in m.content)
    sophie.press(review.button("Faire un commentaire").data or "", review.message_id)
    sophie.wait_for_reply(lambda m: "Écrivez votre commentaire" in m.content)
    sophie.send_text(COMMENT)
    thanks = sophie.wait_for_reply(lambda m: "transmis" in m.content)
    alert = claire.wait_for_reply(lambda m: "a commenté la version 2" in m.content, timeout=20)
    assert COMMENT in alert.content

    # She agrees; Claire delivers.
    sophie.press(thanks.button("J'approuve").data or "", thanks.message_id)
    sophie.wait_for_reply(lambda m: "votre accord sur la version 2" in m.content)
    agreed = claire.wait_for_reply(lambda m: "approuve la version 2" in m.content, timeout=20)
    screen = tap(claire, agreed, "Synthèse de Sophie", "a approuvé la version 2")
    confirm = tap(claire, screen, "Remettre la version finale", "comme synthèse définitive")
    # The passage left "to write" is named, and what becomes of it.
    assert (
        "La version 2 a encore 1 passage marqué « à rédiger » : il est retiré du document "
        "définitif, que Sophie Marchand garde tel quel." in confirm.content
    )
    claire.press(confirm.button("La remettre telle quelle").data or "", confirm.message_id)
    claire.wait_for_reply(lambda m: "Remise à Sophie Marchand" in m.content)

    # The final PDF, then the question on its own; she refuses and gets the record.
    final = _document(sophie, ".pdf")
    assert "version définitive" in final.content and final.document is not None
    assert second.document is not None
    agreed, delivered = pdf_text(second.document), pdf_text(final.document)
    assert "Version de travail du" in agreed and "ajoutez-y" in agreed and "✎" in agreed
    for gone in ("Version de travail", "à relire ensemble", "ajoutez-y", "✎"):
        assert gone not in delivered, gone
    assert "Version définitive du" in delivered
    assert WRITTEN in delivered and flat(TYPED["reussite_1"]) in delivered
    pages = len(PdfReader(io.BytesIO(final.document)).pages)
    assert delivered.endswith(f"{pages} / {pages}")
    question = sophie.wait_for_reply(lambda m: "Une dernière question" in m.content, timeout=30)
    sophie.press(question.button("Non, effacez").data or "", question.message_id)
    record = _document(sophie, ".pdf")
    assert "copie de votre synthèse détenue par l'organisme est effacée" in record.content
    assert record.document is not None and record.document.startswith(b"%PDF")
    claire.wait_for_reply(lambda m: "refuse que l'organisme conserve" in m.content, timeout=20)

    # The card says where the synthesis stands, without its content.
    claire.press(f"c:{bid}", listing.message_id)
    card = claire.wait_for_reply(lambda m: "Synthèse :" in m.content)
    assert "remise le" in card.content and COMMENT not in card.content

    versions, comments, delivered, actions = _kept(environment.database_url, bid)
    assert (versions, comments, delivered) == (0, 0, True)
    assert actions == [
        "synthesis:generate",
        "synthesis:upload",
        "synthesis:review",
        "synthesis:deliver",
        "synthesis:retention",  # Sophie's own answer, dated; the counsellor's notice is keyed by it
    ]

    # Asking again shows what is left: the date, not the document.
    sophie.send_command("synthese")
    sophie.wait_for_reply(lambda m: "La copie de l'organisme a été effacée" in m.content)
