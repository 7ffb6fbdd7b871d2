"""``/enquetes`` presses and typed steps through the bot's own wiring (``bot.app.add_handlers``).

On both databases. What a person reads when a press no longer fits (an old
button, another person's id, forged data, a counsellor on a beneficiary's
button), when storage refuses (a twenty-first enquête in preparation, a
meeting in the past), and where each answer appears: the guide in place of
the pressed message, the steps in new messages under it.
"""

from __future__ import annotations

from bot.i18n import gettext_for
from storage import enquetes as store
from storage.actors import SystemActor
from storage.contacts import add_contact, share_contact
from storage.db import Database
from storage.enquetes import start_inquiry
from tests.app_harness import AppHarness
from tests.app_harness import app_bot as app_bot  # the fixture
from tests.test_enquete_messages import NURSE
from tests.test_metiers_handlers import CLAIRE, LEA, PAUL, People
from tests.test_metiers_handlers import people as people  # the fixture

_ = gettext_for("fr")
STALE = _("This button is no longer active.")


async def _inquiry(db: Database, people: People) -> int:
    async with db.transaction() as session:
        inquiry = await start_inquiry(session, people.paul, title="Boulanger / Boulangère")
    return inquiry.id


async def test_presses_that_no_longer_fit_read_no_longer_active(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    inquiry_id = await _inquiry(db, people)
    home = await app_bot.send(PAUL, "/enquetes")
    assert "Vos enquêtes métiers" in home.text and "<b>" not in home.text
    forged = (
        f"en:g:{inquiry_id}",  # Paul's, pressed by Léa
        f"en:dy:{inquiry_id}",
    )
    own = await app_bot.send(LEA, "/enquetes")
    for data in forged:
        await app_bot.press(LEA, own, data)
        assert app_bot.last_answer_text() == STALE, data
    for data in (
        "en:g:abc",
        "en:g",
        "en:t:999999999",  # no such title, and no title step
        f"en:c:{inquiry_id}:maybe",
        f"en:d:{inquiry_id}:7",
        f"en:nx:{inquiry_id}",  # no report under way
        "en:unknown",
    ):
        await app_bot.press(PAUL, home, data)
        assert app_bot.last_answer_text() == STALE, data
    await app_bot.press(CLAIRE, await app_bot.send(CLAIRE, "/enquetes"), "en:l")
    assert app_bot.last_answer_text() == STALE
    async with db.transaction() as session:
        assert [i.id for i in await store.own_inquiries(session, people.paul)] == [inquiry_id]


async def test_the_guide_opens_in_place_and_the_steps_below_it(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    inquiry_id = await _inquiry(db, people)
    home = await app_bot.send(PAUL, "/enquetes")
    before = len(app_bot.telegram.sent_and_edited())
    guide = await app_bot.press_button(PAUL, home, "Boulanger")
    assert guide.message_id == home.message_id and "Boulanger / Boulangère" in guide.text
    asked = await app_bot.press(PAUL, guide, f"en:m:{inquiry_id}")
    assert asked.message_id != guide.message_id and "Quand a lieu la rencontre" in asked.text
    assert app_bot.telegram.sent_and_edited()[before:][-2:] == ["editMessageText", "sendMessage"]
    past = await app_bot.send(PAUL, "01/01/2020 10h")
    assert past.text == _("⚠️ That moment has passed: type a date to come.")
    async with db.transaction() as session:
        await store.delete_inquiry(session, people.paul, inquiry_id)
    gone = await app_bot.send(PAUL, "demain 14h")
    assert gone.text == _("That enquête is no longer there. /enquetes")


async def test_a_twenty_first_enquete_reads_why_it_is_refused(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    async with db.transaction() as session:
        for n in range(store.MAX_OPEN):
            await start_inquiry(session, people.paul, title=f"Métier {n}")
        contact = await add_contact(session, SystemActor("t"), NURSE)
        share, _new = await share_contact(
            session, people.claire, people.paul.beneficiary_id, contact.id, rome_code="J1506"
        )
    home = await app_bot.send(PAUL, "/enquetes")
    await app_bot.press(PAUL, home, f"en:ns:{share.id}")
    assert app_bot.last_answer_text() == _(
        "⚠️ You have 20 enquêtes in preparation: report or delete one first."
    )
    async with db.transaction() as session:
        assert len(await store.own_inquiries(session, people.paul)) == store.MAX_OPEN


async def test_a_counsellor_is_sent_to_the_cards(people: People, app_bot: AppHarness) -> None:
    told = await app_bot.send(CLAIRE, "/enquetes")
    assert told.text == _("Your beneficiaries' enquêtes are on their card (/beneficiaires).")
