"""Digests below Telegram: queued only when something changed, rendered without content."""

from __future__ import annotations

import html
from datetime import time, timedelta
from typing import Any

from bot.features.digest.message import digest_messages, render_digest
from bot.features.digest.preferences import describe
from bot.features.digest.rounds import run_due_digests
from bot.i18n import gettext_for
from bot.outbox_kinds import RenderContext
from storage import outbox
from storage.db import Database
from storage.digest import DIGEST_KIND, Frequency, PersonChanges, Preference, set_preference
from storage.journal import add_entry, set_shared
from storage.models import utcnow
from storage.outbox import Addressee, Recipient
from storage.people import accept_invitation, create_invitation
from storage.responses import open_run, save_answer, submit_run
from tests.storage.conftest import World


async def _claim_digest(db: Database, now: Any) -> list[outbox.ClaimedMessage]:
    async with db.transaction() as session:
        rows = await outbox.claim(session, limit=50, lease=timedelta(minutes=1), now=now)
    return [row for row in rows if row.kind == DIGEST_KIND]


async def test_digest_lists_the_change_and_nothing_when_quiet(db: Database, world: World) -> None:
    start = utcnow()
    async with db.transaction() as session:
        await set_preference(
            session, world.a, Preference(Frequency.DAILY, 0, time(8, 30)), now=start
        )
        await set_preference(
            session, world.b, Preference(Frequency.DAILY, 0, time(8, 30)), now=start
        )
        run = await open_run(session, world.paul, "riasec_short", 1)
        await submit_run(session, world.paul, run.id, result={"code": "SEA"})
        entry = await add_entry(session, world.paul, "Très personnel : ne pas diffuser")
        await set_shared(session, world.paul, entry.id, True)
    later = start + timedelta(days=1, hours=1)
    assert await run_due_digests(db, now=later) == 1  # Bruno's beneficiaries did nothing
    assert await run_due_digests(db, now=later) == 0  # claimed once
    [row] = await _claim_digest(db, later + timedelta(seconds=1))
    assert row.recipient == Recipient.counsellor(world.a.counsellor_id)
    addressee = Addressee(row.recipient, 111, "fr", "Europe/Paris", False)
    context = RenderContext(bot=None, db=db, addressee=addressee, now=later)  # type: ignore[arg-type]
    message = await render_digest(context, row)
    assert message is not None
    text = html.unescape(message.text)
    assert "Paul Durand" in text
    assert "terminé : Centres d'intérêt (RIASEC, version courte)" in text
    assert "1 note de journal partagée" in text
    assert "Très personnel" not in text
    assert message.keyboard is not None
    data = [b.callback_data for r in message.keyboard.inline_keyboard for b in r]
    assert data == [f"c:{world.paul.beneficiary_id}"]
    # A day later with nothing new: no digest at all.
    assert await run_due_digests(db, now=later + timedelta(days=1)) == 0


async def _render_all(db: Database, now: Any) -> list[str]:
    rows = await _claim_digest(db, now)
    texts = []
    for row in rows:
        addressee = Addressee(row.recipient, 111, "fr", "Europe/Paris", False)
        context = RenderContext(bot=None, db=db, addressee=addressee, now=now)  # type: ignore[arg-type]
        message = await render_digest(context, row)
        assert message is not None and message.keyboard is not None
        assert len(message.text) <= 4096
        buttons = [b for r in message.keyboard.inline_keyboard for b in r]
        assert len(buttons) <= 10
        texts.append(html.unescape(message.text))
    return texts


async def test_a_busy_week_of_30_people_reaches_the_counsellor_whole(
    db: Database, world: World
) -> None:
    """Every name is there, in as many messages as it takes; progress shows before the end."""
    start = utcnow()
    names = [f"Personne{i:02d} Nomdefamille-Assez-Long" for i in range(30)]
    async with db.transaction() as session:
        await set_preference(
            session, world.a, Preference(Frequency.DAILY, 0, time(8, 30)), now=start
        )
    for index, name in enumerate(names):
        async with db.transaction() as session:
            issued = await create_invitation(session, world.a, name)
        async with db.transaction() as session:
            person = await accept_invitation(session, issued.token, 5000 + index, "fr")
            assert person is not None
            for n in range(3):
                entry = await add_entry(session, person, f"Note {n}")
                await set_shared(session, person, entry.id, True)
            run = await open_run(session, person, "dossier_auto_bilan", 1)
            for n in range(12):
                await save_answer(session, person, run.id, f"q{n}", "réponse", None)
    later = start + timedelta(days=1, hours=1)
    assert await run_due_digests(db, now=later) == 1
    texts = await _render_all(db, later + timedelta(seconds=1))
    assert len(texts) >= 3
    whole = "\n".join(texts)
    for name in names:
        assert whole.count(name) == 1, name
    assert whole.count("Dossier d'auto-bilan : a répondu à 12 questions de plus") == 30
    assert whole.count("3 notes de journal partagées") == 30
    assert all(f"({i} sur {len(texts)})" in t for i, t in enumerate(texts, 1))
    assert "un clic" in texts[-1] and "un clic" not in texts[0]
    assert "depuis le " in texts[0] and " h " in texts[0].split("\n")[0]


def test_digest_settings_say_the_hour_as_people_write_it() -> None:
    weekly = Preference(Frequency.WEEKLY, 0, time(8, 30))
    assert "à 8 h 30" in describe(weekly, gettext_for("fr"), "fr")
    assert "at 8:30" in describe(weekly, gettext_for("en"), "en")


def test_a_very_busy_week_stays_within_telegram_limits_in_both_languages() -> None:
    now = utcnow()
    people = [
        PersonChanges(
            i,
            f"Personne{i:02d} Nomdefamille-Assez-Long",
            completed=["riasec", "work_values"],
            progressed=[("dossier_auto_bilan", 12)],
            tasks_done=2,
            tasks_overdue=1,
            moves_asked=1,
            journal_shared=3,
            followups_due=[3],
            upcoming=[(now + timedelta(days=1), True), (now + timedelta(days=3), False)],
        )
        for i in range(30)
    ]
    for locale in ("fr", "en"):
        messages = digest_messages(people, now, locale, "Europe/Paris", gettext_for(locale))
        assert all(len(m.text) <= 4096 for m in messages)
        whole = "\n".join(m.text for m in messages)
        assert all(f"Personne{i:02d}" in whole for i in range(30))
        buttons = [b for m in messages if m.keyboard for r in m.keyboard.inline_keyboard for b in r]
        assert len(buttons) == 30
