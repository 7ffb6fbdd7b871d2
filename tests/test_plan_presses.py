"""``/plan``, the ``pl:`` and ``fu:`` presses, through the bot's own wiring (``add_handlers``).

On both databases. A beneficiary proposes a step by typing its title and its
date; the counsellor agrees to it, removes it; the person ticks it. What each
reads where: the plan in place of the pressed message, a question to type in
a new message, a short notice on the button; and what a press that no longer
fits reads (another person's id, the other side's button, forged data).
Concluding the bilan from the card, once confirmed, is played out too.
"""

from __future__ import annotations

from bot.i18n import gettext_for
from storage.cards import set_phase
from storage.db import Database
from storage.models import Phase
from tests.app_harness import AppHarness
from tests.app_harness import app_bot as app_bot  # the fixture
from tests.test_metiers_handlers import BRUNO, CLAIRE, LEA, PAUL, People
from tests.test_metiers_handlers import people as people  # the fixture

_ = gettext_for("fr")
STALE = _("This button is no longer active.")
NOT_POSSIBLE = _("This change is not possible.")


async def test_a_proposed_step_is_agreed_ticked_and_removed(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    bid = people.paul.beneficiary_id
    for someone in (LEA, BRUNO):  # something in their chat, to press forged buttons on
        await app_bot.send(someone, "/aide")
    mine = await app_bot.send(PAUL, "/plan")
    asked = await app_bot.press(PAUL, mine, "pl:p")
    assert asked.message_id != mine.message_id and "Écrivez l'étape" in asked.text
    dated = await app_bot.send(PAUL, "Rencontrer une formatrice <en compta>")
    assert "Rencontrer une formatrice <en compta>" in dated.text and "Pour quand ?" in dated.text
    assert "Annuler" in dated.labels
    shown = await app_bot.send(PAUL, "2030-11-30")
    assert "💡 1. Rencontrer une formatrice <en compta>" in shown.text
    assert _("Proposed: your counsellor will look at it.") in [
        s.text for s in app_bot.telegram.messages.values()
    ]

    listing = await app_bot.send(CLAIRE, "/beneficiaires")
    card = await app_bot.press(CLAIRE, listing, f"c:{bid}")
    plan = await app_bot.press_button(CLAIRE, card, "Projet et plan d'action")
    assert plan.message_id == card.message_id and "Paul" in plan.text
    agree = next(d for d in plan.data if d.startswith("pl:v:"))
    step_id = agree.split(":")[2]
    agreed = await app_bot.press(CLAIRE, plan, agree)
    assert app_bot.last_answer_text() == _("Step agreed.")
    assert agreed.message_id == plan.message_id and agree not in agreed.data
    await app_bot.press(CLAIRE, plan, agree)  # the old button, pressed again
    assert app_bot.last_answer_text() == NOT_POSSIBLE

    for person, data in (
        (LEA, f"pl:d:{step_id}:1"),  # Paul's step, pressed by Léa
        (PAUL, f"pl:v:{step_id}"),  # the counsellor's button
        (PAUL, f"pl:c:{bid}"),
        (BRUNO, f"pl:c:{bid}"),  # not his beneficiary
        (CLAIRE, f"pl:d:{step_id}:1"),  # the beneficiary's button
        (CLAIRE, "pl:c:abc"),
        (CLAIRE, "pl:"),
        (PAUL, "pl:unknown"),
    ):
        await app_bot.press(person, mine, data)
        assert app_bot.last_answer_text() == STALE, (person, data)

    mine = await app_bot.send(PAUL, "/plan")
    ticked = await app_bot.press(PAUL, mine, f"pl:d:{step_id}:1")
    assert app_bot.last_answer_text() == _("Well done!")
    assert ticked.message_id == mine.message_id and f"pl:d:{step_id}:0" in ticked.data

    question = await app_bot.press(CLAIRE, agreed, f"pl:r:{step_id}")
    assert question.message_id == agreed.message_id
    assert "Rencontrer une formatrice <en compta>" in question.text
    removed = await app_bot.press(CLAIRE, question, f"pl:r:{step_id}:ok")
    assert app_bot.last_answer_text() == _("Step removed.")
    assert "Rencontrer une formatrice" not in removed.text


async def test_the_counsellor_types_a_project_or_cancels(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    bid = people.paul.beneficiary_id
    listing = await app_bot.send(CLAIRE, "/beneficiaires")
    plan = await app_bot.press(CLAIRE, listing, f"pl:c:{bid}")
    asked = await app_bot.press(CLAIRE, plan, f"pl:m:{bid}")
    assert asked.message_id != plan.message_id and "projet professionnel principal" in asked.text
    back = await app_bot.press(CLAIRE, asked, "pl:x")
    assert back.message_id == asked.message_id and "Paul" in back.text
    await app_bot.press(CLAIRE, back, "pl:x")  # nothing waits any more: nothing changes
    assert app_bot.last_answer_text() == ""
    await app_bot.press(CLAIRE, plan, f"pl:a:{bid}")
    shown = await app_bot.send(CLAIRE, "Comptable en cabinet")
    assert "Comptable en cabinet" in shown.text and f"pl:s:{bid}" in shown.data
    cleared = await app_bot.press(CLAIRE, shown, f"pl:a:{bid}")
    assert "Comptable en cabinet" not in (await app_bot.send(CLAIRE, "-")).text
    assert cleared.message_id != shown.message_id


async def test_concluding_asks_first_then_plans_the_check_ins(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    bid = people.paul.beneficiary_id
    async with db.transaction() as session:
        await set_phase(session, people.claire, bid, Phase.INVESTIGATION)
        await set_phase(session, people.claire, bid, Phase.CONCLUSION)
    for someone in (PAUL, BRUNO):  # something in their chat, to press forged buttons on
        await app_bot.send(someone, "/aide")
    listing = await app_bot.send(CLAIRE, "/beneficiaires")
    card = await app_bot.press(CLAIRE, listing, f"c:{bid}")
    asked = await app_bot.press(CLAIRE, card, f"fu:end:{bid}")
    assert asked.message_id == card.message_id and f"fu:end:{bid}:ok" in asked.data
    await app_bot.press(PAUL, asked, f"fu:end:{bid}:ok")  # a counsellor's button
    assert app_bot.last_answer_text() == STALE
    await app_bot.press(BRUNO, asked, f"fu:end:{bid}:ok")  # not his beneficiary
    assert app_bot.last_answer_text() == NOT_POSSIBLE
    done = await app_bot.press(CLAIRE, asked, f"fu:end:{bid}:ok")
    assert done.message_id == asked.message_id and "3 mois" in done.text
    await app_bot.press(CLAIRE, asked, f"fu:end:{bid}:ok")  # once concluded, no more
    assert app_bot.last_answer_text() == NOT_POSSIBLE

    menu = await app_bot.send(PAUL, "/menu")
    checkins = await app_bot.press(PAUL, menu, "fu:me")
    assert checkins.message_id != menu.message_id and "3 mois" in checkins.text
    for data in ("fu:go:999999", "fu:go:abc", "fu:a:1:2:done", "fu:", "fu:unknown"):
        await app_bot.press(PAUL, checkins, data)
        assert app_bot.last_answer_text() == STALE, data
    await app_bot.press(CLAIRE, checkins, "fu:me")  # the beneficiary's button
    assert app_bot.last_answer_text() == STALE
