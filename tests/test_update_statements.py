"""What one update costs the database, through the bot's own wiring, on both databases.

The targets ``benchmarks.update_sql`` prints (a typed questionnaire answer: at
most 6 statements; a message nothing waits for: at most 3) are held here as
limits, counted as the benchmark counts them (:class:`benchmarks.common.StatementCounter`:
every statement SQLAlchemy sends, transaction control aside). Each count
includes the once-a-minute touch of the person's last activity, made due
before the update, so the limits hold whenever it falls. A press that answers
a question is one transaction: the press is answered once its answer is stored.
"""

# ruff: noqa: F811 - the fixtures imported below are used by name
from __future__ import annotations

from sqlalchemy import update

from benchmarks.common import StatementCounter, Tally
from dialogues.instruments import load_all
from storage.db import Database
from storage.models import Beneficiary
from tests.app_harness import AppHarness, app_bot  # noqa: F401 - the fixture
from tests.test_metiers_handlers import (  # noqa: F401 - the fixture
    PAUL,
    ROUTER_FALLTHROUGH,
    People,
    Shown,
    people,
)

DOSSIER = "dossier_auto_bilan"
TYPED_ANSWER_LIMIT = 6
UNEXPECTED_LIMIT = 3


def _prompt(question: str) -> str:
    return load_all()[DOSSIER].question(question).text.get("fr")


async def _activity_due(db: Database, people: People) -> None:
    """Paul's last activity is old: the next update of his writes it again."""
    async with db.transaction() as session:
        await session.execute(
            update(Beneficiary)
            .where(Beneficiary.id == people.paul.beneficiary_id)
            .values(last_activity_at=None)
        )


async def _counted_text(bot: AppHarness, db: Database, text: str) -> tuple[Shown, Tally]:
    with StatementCounter(db.engine) as counter:
        shown = await bot.send(PAUL, text)
    return shown, counter.tally


async def _at_the_current_job_question(bot: AppHarness) -> Shown:
    """Paul opens his dossier and says he is on a permanent contract: a question to type."""
    menu = await bot.send(PAUL, "/menu")
    first = await bot.press(PAUL, menu, f"q:open:{DOSSIER}")
    assert _prompt("statut") in first.text
    asked = await bot.press_button(PAUL, first, "CDI")
    assert _prompt("poste_actuel") in asked.text
    return asked


async def test_a_message_nothing_waits_for_costs_the_caller_and_the_menu(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    await _activity_due(db, people)
    shown, tally = await _counted_text(app_bot, db, "bonjour")
    assert ROUTER_FALLTHROUGH in shown.text
    assert any("dossier" in data for data in shown.data), shown.labels  # the menu
    assert tally.sql <= UNEXPECTED_LIMIT, tally.statements
    assert tally.transactions == 1, tally.statements

    await app_bot.send(PAUL, "/annuler")  # after leaving whatever stood: the same
    await _activity_due(db, people)
    shown, tally = await _counted_text(app_bot, db, "bonjour")
    assert ROUTER_FALLTHROUGH in shown.text
    assert tally.sql <= UNEXPECTED_LIMIT, tally.statements


async def test_a_typed_answer_costs_at_most_six_statements(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    await _at_the_current_job_question(app_bot)
    await _activity_due(db, people)
    shown, tally = await _counted_text(app_bot, db, "Aide-soignante")
    assert _prompt("poste_depuis") in shown.text
    assert tally.sql <= TYPED_ANSWER_LIMIT, tally.statements
    assert tally.transactions == 1, tally.statements

    again = await app_bot.send(PAUL, "/reprendre")  # the answer is kept
    assert _prompt("poste_depuis") in again.text


async def test_a_press_that_answers_is_one_transaction(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    menu = await app_bot.send(PAUL, "/menu")
    first = await app_bot.press(PAUL, menu, f"q:open:{DOSSIER}")
    await _activity_due(db, people)
    with StatementCounter(db.engine) as counter:
        asked = await app_bot.press_button(PAUL, first, "CDI")
    assert _prompt("poste_actuel") in asked.text
    assert app_bot.telegram.answers, "the press was answered"
    assert counter.tally.transactions == 1, counter.tally.statements
