"""Counsellors' synthesis presses through the bot's whole wiring, on both databases.

A press replayed by another counsellor is refused before any promise of work,
and an old "Files" button after the organisation's copy was erased says why
there is nothing to send.
"""

# ruff: noqa: F811 - the fixtures imported below are used by name
from __future__ import annotations

from sqlalchemy import func, select, update

from storage import synthesis
from storage.cards import set_phase
from storage.db import Database
from storage.models import Phase, utcnow
from storage.outbox import OutboxMessage, OutboxStatus
from storage.synthesis import SynthesisVersion
from tests.app_harness import AppHarness, app_bot  # noqa: F401 - the fixture
from tests.test_metiers_handlers import BRUNO, CLAIRE, People, people  # noqa: F401


async def _in_conclusion(db: Database, people: People) -> int:
    bid = people.paul.beneficiary_id
    async with db.transaction() as session:
        await set_phase(session, people.claire, bid, Phase.INVESTIGATION)
        await set_phase(session, people.claire, bid, Phase.CONCLUSION)
    return bid


async def _delivered(db: Database, people: People) -> int:
    bid = await _in_conclusion(db, people)
    async with db.transaction() as session:
        await synthesis.add_version(
            session,
            people.claire,
            bid,
            origin="draft",
            editable=b"DOCX one",
            editable_format="docx",
            pdf=b"%PDF one",
            pages=3,
            to_write=0,
        )
        await synthesis.request_review(session, people.claire, bid)
        await synthesis.agree(session, people.paul, 1)
        await synthesis.deliver(session, people.claire, bid)
    async with db.transaction() as session:  # the final PDF (and the rest) went out
        await session.execute(update(OutboxMessage).values(status=OutboxStatus.SENT))
    return bid


async def test_another_counsellors_forged_generate_is_refused_before_any_promise(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    bid = await _in_conclusion(db, people)
    own = await app_bot.send(BRUNO, "/beneficiaires")
    calls_before = len(app_bot.telegram.calls)
    after = await app_bot.press(BRUNO, own, f"sy:{bid}:g")
    assert app_bot.last_answer_text() == "Ce bouton n'est plus actif."
    assert after.message_id == own.message_id and after.text == own.text
    said = [name for name, _ in app_bot.telegram.calls[calls_before:]]
    assert said == ["answerCallbackQuery"], said
    async with db.transaction() as session:
        versions = await session.scalar(select(func.count()).select_from(SynthesisVersion))
    assert versions == 0


async def test_files_after_the_copy_was_erased_at_the_persons_request(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    bid = await _delivered(db, people)
    screen = await app_bot.send(CLAIRE, "/beneficiaires")
    async with db.transaction() as session:
        await synthesis.answer_retention(session, people.paul, False)
    shown = await app_bot.press(CLAIRE, screen, f"sy:{bid}:d")
    assert shown.text == (
        "La copie de cette synthèse gardée par l'organisme a été effacée à la demande de la "
        "personne : il n'y a plus de fichiers à envoyer. La personne garde son propre "
        "exemplaire."
    )
    assert "générez d'abord un brouillon" not in shown.text


async def test_files_after_the_copy_was_erased_at_the_end_of_retention(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    bid = await _delivered(db, people)
    screen = await app_bot.send(CLAIRE, "/beneficiaires")
    async with db.transaction() as session:
        await synthesis.answer_retention(session, people.paul, True)
        await synthesis.delete_copies(session, [bid], utcnow())
    shown = await app_bot.press(CLAIRE, screen, f"sy:{bid}:d")
    assert "à la fin de sa durée de conservation" in shown.text
    assert "à la demande" not in shown.text
