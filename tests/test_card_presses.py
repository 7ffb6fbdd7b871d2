"""The counsellor's list, search, card and phase presses through the bot's own wiring.

On both databases. What Claire reads where: the card in place of the list, a
page in place of the other, the list anew below a card, the search's question
below; what a refused card or move reads (in a new message, the pressed one
left as it was), and what forged data and the other side's presses read.
"""

from __future__ import annotations

from bot.i18n import gettext_for
from storage.db import Database
from tests.app_harness import AppHarness
from tests.app_harness import app_bot as app_bot  # the fixture
from tests.test_metiers_handlers import BRUNO, CLAIRE, PAUL, People
from tests.test_metiers_handlers import people as people  # the fixture

_ = gettext_for("fr")
STALE = _("This button is no longer active.")


async def test_the_card_opens_in_place_and_the_phase_moves_once_confirmed(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    bid = people.paul.beneficiary_id
    listing = await app_bot.send(CLAIRE, "/beneficiaires")
    assert "Vos bénéficiaires" in listing.text and f"c:{bid}" in listing.data
    card = await app_bot.press(CLAIRE, listing, f"c:{bid}")
    assert card.message_id == listing.message_id and "Questionnaires" in card.text
    asked = await app_bot.press_button(CLAIRE, card, "Passer en phase d'investigation")
    assert asked.message_id == card.message_id and "Faire évoluer" in asked.text
    assert asked.data == [f"ph:{bid}:investigation:ok", f"c:{bid}"]
    moved = await app_bot.press(CLAIRE, asked, f"ph:{bid}:investigation:ok")
    assert moved.message_id == card.message_id and "Phase d'investigation" in moved.text
    assert "⬅️ Revenir à la phase préliminaire" in moved.labels

    # The same confirmation again: phases move one step at a time, said below.
    again = await app_bot.press(CLAIRE, asked, f"ph:{bid}:investigation:ok")
    assert again.message_id != card.message_id
    assert again.text == _("This change is not possible.")

    back = await app_bot.press_button(CLAIRE, moved, "Mes bénéficiaires")
    assert back.message_id != moved.message_id and "Vos bénéficiaires" in back.text


async def test_refused_and_forged_presses(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    bid = people.paul.beneficiary_id
    own = await app_bot.send(BRUNO, "/beneficiaires")
    refused = await app_bot.press(BRUNO, own, f"c:{bid}")  # Claire's beneficiary
    assert refused.message_id != own.message_id
    assert refused.text == _("This card is not available to you.")
    moved = await app_bot.press(BRUNO, own, f"ph:{bid}:investigation:ok")
    assert moved.text == _("This change is not possible.") and "Paul" not in moved.text

    listing = await app_bot.send(CLAIRE, "/beneficiaires")
    for forged in ("c:abc", "c:", f"c:{bid}:1", f"ph:{bid}:nowhere", f"ph:{bid}:clos:yes"):
        await app_bot.press(CLAIRE, listing, forged)
        assert app_bot.last_answer_text() == STALE, forged
    for forged in ("ben:list:x", "ben:list:1:2", "ben:find:1", "ben:what"):
        await app_bot.press(CLAIRE, listing, forged)
        assert app_bot.last_answer_text() == STALE, forged

    mine = await app_bot.send(PAUL, "/menu")
    for pressed in (f"c:{bid}", f"ph:{bid}:investigation:ok", "ben:list", "ben:find"):
        await app_bot.press(PAUL, mine, pressed)
        assert app_bot.last_answer_text() == STALE, pressed
    told = await app_bot.send(PAUL, "/beneficiaires")
    assert told.text == _("This command is for counsellors. /aide shows what you can do.")
    told = await app_bot.send(PAUL, "/invite Jean Valjean")
    assert told.text == _("This command is for counsellors. /aide shows what you can do.")


async def test_search_pages_and_invitation(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    listing = await app_bot.send(CLAIRE, "/beneficiaires")
    asked = await app_bot.press(CLAIRE, listing, "ben:find")
    assert asked.message_id != listing.message_id
    assert asked.text == _("Type the name (or part of it) of the person you are looking for.")
    found = await app_bot.send(CLAIRE, "EMMA")
    assert "« EMMA » : 1 personne trouvée" in found.text
    assert [label for label in found.labels if "Emma" in label] == ["Emma — phase préliminaire"]
    nobody = await app_bot.send(CLAIRE, "/beneficiaires <Zoé>")
    assert "ne s'appelle « <Zoé> »" in nobody.text and "&lt;" in nobody.html

    page = await app_bot.press(CLAIRE, listing, "ben:list:0")
    assert page.message_id == listing.message_id and "Vos bénéficiaires (2)" in page.text

    invited = await app_bot.send(CLAIRE, "/invite Jean <Valjean>")
    assert "Invitation pour Jean <Valjean> créée" in invited.text
    assert "https://t.me/" in invited.text
    empty = await app_bot.send(CLAIRE, "/invite")
    assert "/invite Paul Durand" in empty.text
