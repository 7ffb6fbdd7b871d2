"""Every action of a beneficiary counts as activity, and inactivity retention follows it.

Through the bot's whole wiring (:mod:`tests.app_harness`) on both databases: the
people consented almost a year ago; one of them writes a journal note today, and
the purge run a year and some days after consent keeps that person and erases
the one who did nothing.
"""

# ruff: noqa: F811 - the fixtures imported below are used by name
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy import update

from storage import rights
from storage.db import Database
from storage.models import Beneficiary, utcnow
from storage.rights import PurgeKind
from tests.app_harness import AppHarness, app_bot  # noqa: F401 - the fixture
from tests.test_metiers_handlers import CLAIRE, PAUL, People, people  # noqa: F401

AGO = timedelta(days=360)


async def _consented_long_ago(db: Database, *beneficiary_ids: int) -> datetime:
    """Invitation, consent and last activity moved back ``AGO``: the clock is the test's."""
    then = utcnow() - AGO
    async with db.transaction() as session:
        await session.execute(
            update(Beneficiary)
            .where(Beneficiary.id.in_(beneficiary_ids))
            .values(created_at=then, consent_at=then, last_activity_at=then)
        )
    return then


async def _last_activity(db: Database, beneficiary_id: int) -> datetime | None:
    async with db.transaction() as session:
        row = await session.get(Beneficiary, beneficiary_id)
        assert row is not None
        return row.last_activity_at


async def _exists(db: Database, beneficiary_id: int) -> bool:
    async with db.transaction() as session:
        return await session.get(Beneficiary, beneficiary_id) is not None


async def _write_a_note(bot: AppHarness) -> None:
    journal = await bot.send(PAUL, "/journal")
    asked = await bot.press_button(PAUL, journal, "Nouvelle note")
    assert "Écrivez votre note" in asked.text
    saved = await bot.send(PAUL, "L'enquête métier m'a rassuré.")
    assert "Enregistrée dans votre journal" in saved.text


async def test_a_journal_note_moves_last_activity_and_the_dates_people_see(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    then = await _consented_long_ago(db, people.paul.beneficiary_id)
    before = utcnow()
    await _write_a_note(app_bot)
    moved = await _last_activity(db, people.paul.beneficiary_id)
    assert moved is not None and moved >= before - timedelta(seconds=1)

    home = await app_bot.send(PAUL, "/mesdonnees")
    mine = await app_bot.press_button(PAUL, home, "Ce qui est conservé")
    paris = ZoneInfo("Europe/Paris")
    in_a_year = format_date((utcnow() + timedelta(days=365)).astimezone(paris), "long", "fr")
    after_consent = format_date((then + timedelta(days=365)).astimezone(paris), "long", "fr")
    assert f"elles sont effacées le {in_a_year}" in mine.text, mine.text
    assert after_consent not in mine.text

    listing = await app_bot.send(CLAIRE, "/beneficiaires")
    card = await app_bot.press(CLAIRE, listing, f"c:{people.paul.beneficiary_id}")
    [line] = [x for x in card.text.splitlines() if x.startswith("Dernière activité")]
    assert line.startswith("Dernière activité : aujourd'hui à"), line  # consent was a year ago


async def test_a_year_after_consent_recent_activity_keeps_the_bilan(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    await _consented_long_ago(db, people.paul.beneficiary_id)
    await _write_a_note(app_bot)
    async with db.transaction() as session:
        counts = await rights.purge(session, utcnow() + timedelta(days=30))
    assert not counts.get(PurgeKind.INACTIVE_BILANS)
    assert await _exists(db, people.paul.beneficiary_id)


async def test_a_year_after_consent_without_activity_the_bilan_is_erased(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    await _consented_long_ago(db, people.paul.beneficiary_id, people.lea.beneficiary_id)
    await _write_a_note(app_bot)
    async with db.transaction() as session:
        counts = await rights.purge(session, utcnow() + timedelta(days=30))
    assert counts.get(PurgeKind.INACTIVE_BILANS) == 1
    assert not await _exists(db, people.lea.beneficiary_id)
    assert await _exists(db, people.paul.beneficiary_id)
