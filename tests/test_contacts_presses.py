"""``/contacts`` presses and typed steps through the bot's own wiring (``bot.app.add_handlers``).

On both databases. A counsellor adds a contact step by step (a title picked
among the ROME titles, codes typed together, a refusal that keeps the step),
retypes a field, erases a contact; a contact opens in place of the pressed
message and every other step comes in a new one, links folded. A press that
no longer fits or another counsellor's person reads "This button is no
longer active."; a beneficiary reads that the file is for counsellors.
"""

from __future__ import annotations

from bot.i18n import gettext_for
from storage import contacts as store
from storage.contacts import add_contact
from storage.db import Database
from tests.app_harness import AppHarness
from tests.app_harness import app_bot as app_bot  # the fixture
from tests.test_enquete_messages import NURSE
from tests.test_metiers_handlers import BRUNO, CLAIRE, LEA, People
from tests.test_metiers_handlers import people as people  # the fixture

_ = gettext_for("fr")
STALE = _("This button is no longer active.")


def _folded(app_bot: AppHarness) -> bool:
    name, params = app_bot.telegram.calls[-1]
    preview = params.get("link_preview_options")
    return name in ("sendMessage", "editMessageText") and '"is_disabled": true' in str(
        preview
    ).replace("'", '"').replace("True", "true")


async def test_a_contact_is_added_step_by_step_then_edited_and_erased(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    file = await app_bot.send(CLAIRE, "/contacts")
    assert "0 contact" in file.text and _folded(app_bot)
    kinds = await app_bot.press_button(CLAIRE, file, "Ajouter un contact")
    assert kinds.message_id != file.message_id and "Qui est le nouveau contact" in kinds.text
    asked = await app_bot.press(CLAIRE, kinds, "ct:k:tutor")
    assert "Écrivez le nom du contact" in asked.text
    too_long = await app_bot.send(CLAIRE, "x" * (store.NAME_MAX + 1))
    assert _("⚠️ That is too long: a few words are enough.") in too_long.text
    assert "Écrivez le nom du contact" in too_long.text
    await app_bot.send(CLAIRE, "Marc Aide")
    await app_bot.send(CLAIRE, "06 98 76 54 32")
    titles = await app_bot.send(CLAIRE, "infirmier en soins généraux")
    assert "Lequel de ces métiers" in titles.text
    codes = await app_bot.press(CLAIRE, titles, titles.data[0])
    assert "Métiers retenus" in codes.text and "J1506" in codes.text
    unknown = await app_bot.send(CLAIRE, "N9999")
    assert unknown.text == _("⚠️ {code} is not a ROME code I know.").format(code="N9999")
    codes = await app_bot.send(CLAIRE, "J1501")
    assert "J1501" in codes.text
    how = await app_bot.press_button(CLAIRE, codes, "C'est tout")
    assert "Comment a-t-il ou elle accepté" in how.text
    added = await app_bot.send(CLAIRE, "en personne")
    assert "Ajouté au fichier" in added.text and _folded(app_bot)
    async with db.transaction() as session:
        (contact,) = await store.list_contacts(session, people.claire)
    assert set(contact.rome_codes) == {"J1506", "J1501"}

    opened = await app_bot.press(CLAIRE, added, f"ct:v:{contact.id}")
    assert opened.message_id == added.message_id and "Marc Aide" in opened.text
    asked = await app_bot.press(CLAIRE, opened, f"ct:e:{contact.id}:area")
    assert asked.message_id != opened.message_id
    saved = await app_bot.send(CLAIRE, "Lyon")
    assert "Enregistré" in saved.text and "Lyon" in saved.text

    sure = await app_bot.press(CLAIRE, saved, f"ct:x:{contact.id}")
    assert "Effacer Marc Aide du fichier" in sure.text
    erased = await app_bot.press(CLAIRE, sure, f"ct:xy:{contact.id}")
    assert "0 contact" in erased.text and erased.message_id != sure.message_id
    async with db.transaction() as session:
        assert await store.list_contacts(session, people.claire) == []


async def test_presses_that_no_longer_fit_read_no_longer_active(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    async with db.transaction() as session:
        nurse = await add_contact(session, people.claire, NURSE, known_codes=["J1506"])
    file = await app_bot.send(CLAIRE, "/contacts")
    for data in (
        "ct:v:abc",
        "ct:v",
        f"ct:v:{nurse.id}:1",
        "ct:k:nobody",
        f"ct:e:{nurse.id}:kind",
        "ct:mt:999999999",  # no métier step under way
        "ct:md",
        f"ct:s:{people.lea.beneficiary_id}:{nurse.id}",  # Bruno's beneficiary
        "ct:unknown",
    ):
        await app_bot.press(CLAIRE, file, data)
        assert app_bot.last_answer_text() == STALE, data
    own = await app_bot.send(BRUNO, "/contacts")  # the organisation's file: his too
    await app_bot.press(BRUNO, own, f"ct:b:{people.paul.beneficiary_id}")  # Claire's person
    assert app_bot.last_answer_text() == STALE
    for_counsellors = _("This command is for counsellors. /aide shows what you can do.")
    pressed = await app_bot.press(LEA, await app_bot.send(LEA, "/enquetes"), "ct:l")
    assert pressed.text == for_counsellors and app_bot.last_answer_text() == ""
    refused = await app_bot.send(LEA, "/contacts")
    assert refused.text == for_counsellors
