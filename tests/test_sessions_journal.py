"""The journal as people see it, through the live bot of ``test_sessions_app``."""

# ruff: noqa: F811 - the fixtures imported below are used by name
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.features.journal.screens import JOURNAL_FLOW
from bot.kit.typed import BENEFICIARY_TEXT_WAIT
from storage import conversation
from storage import journal as store
from storage.models import AuditEvent, utcnow
from storage.responses import latest_open_run, open_run, set_position
from storage.sessions import save_dialogue
from tests.test_sessions_app import (  # noqa: F401 - fixtures
    FALLTHROUGH,
    Live,
    answer_of,
    api,
    containing,
    live,
    reply,
)


async def test_a_note_is_private_until_shared_and_the_counsellor_reads_it_audited(
    live: Live,
) -> None:
    paul, claire = live.paul, live.claire
    paul.send_command("journal")
    empty = await reply(paul, containing("Votre journal"))
    assert "Aucune note" in empty.content
    paul.press_button("Nouvelle note")
    await reply(paul, containing("Écrivez votre note"))
    paul.send_text("Je me sens plus sûr de moi depuis l'enquête métier.")
    saved = await reply(paul, containing("Enregistrée dans votre journal"))
    assert "🔒 Privée" in saved.content

    claire.send_command("journal")
    picker = await reply(claire, containing("Journaux partagés"))
    assert picker.has_button("Paul Durand (0)")
    claire.press_button("Paul Durand")
    nothing = await reply(claire, containing("n'a partagé aucune note"))
    assert "plus sûr" not in nothing.content

    paul.press(saved.button("La partager").data or "", saved.message_id)
    shared = await reply(paul, containing("👁 Partagée"))
    assert shared.message_id == saved.message_id and shared.has_button("La rendre privée")
    claire.send_command("journal")
    picker = await reply(claire, containing("Journaux partagés"))
    claire.press(picker.button("Paul Durand (1)").data or "", picker.message_id)
    read = await reply(claire, containing("Journal partagé par Paul Durand"))
    assert "plus sûr de moi depuis l'enquête métier" in read.content
    async with live.db.transaction() as session:
        events = list(await session.scalars(select(AuditEvent)))
    reads = [e for e in events if e.action == "journal.read_shared"]
    assert [(e.actor_id, e.beneficiary_id) for e in reads] == [
        (live.a.counsellor_id, live.paul_actor.beneficiary_id)
    ] * 2

    paul.press(shared.button("La rendre privée").data or "", shared.message_id)
    await reply(paul, containing("🔒 Privée"))
    async with live.db.transaction() as session:
        assert await store.shared_entries(session, live.a, live.paul_actor.beneficiary_id) == []


async def test_others_cannot_reach_an_entry(live: Live) -> None:
    async with live.db.transaction() as session:
        entry = await store.add_entry(session, live.paul_actor, "Note de Paul")
        await store.set_shared(session, live.paul_actor, entry.id, True)
    live.bruno.send_command("journal")
    picker = await reply(live.bruno, containing("Journaux partagés"))
    assert not picker.has_button("Paul")
    press = live.bruno.press(f"j:b:{live.paul_actor.beneficiary_id}", picker.message_id)
    assert (await answer_of(live.bruno, press)).text == "Ce bouton n'est plus actif."
    live.lea.send_command("journal")
    own = await reply(live.lea, containing("Votre journal"))
    for data in (f"j:v:{entry.id}", f"j:s:{entry.id}:0", f"j:del:{entry.id}", f"j:dy:{entry.id}"):
        press = live.lea.press(data, own.message_id)
        assert (await answer_of(live.lea, press)).text == "Ce bouton n'est plus actif."
    press = live.claire.press(f"j:v:{entry.id}", picker.message_id)
    assert (await answer_of(live.claire, press)).text == "Ce bouton n'est plus actif."
    async with live.db.transaction() as session:
        still = await store.own_entry(session, live.paul_actor, entry.id)
    assert still.shared and still.text == "Note de Paul"


async def test_deleting_an_entry_after_confirmation(live: Live) -> None:
    async with live.db.transaction() as session:
        entry = await store.add_entry(session, live.paul_actor, "À effacer")
    live.paul.send_command("journal")
    listing = await reply(live.paul, containing("Votre journal"))
    assert "À effacer" in listing.content
    live.paul.press(f"j:v:{entry.id}", listing.message_id)
    card = await reply(live.paul, containing("À effacer"))
    live.paul.press(card.button("Supprimer").data or "", card.message_id)
    await reply(live.paul, containing("Supprimer définitivement"))
    live.paul.press_button("Oui, la supprimer")
    after = await reply(live.paul, containing("Votre journal"))
    assert "À effacer" not in after.content
    async with live.db.transaction() as session:
        assert await store.own_entries(session, live.paul_actor) == []


async def test_writing_a_note_takes_typed_text_from_the_questionnaire(live: Live) -> None:
    """A note asked for now wins over a questionnaire question shown earlier;
    ``/annuler`` ends the wait and text goes back to the other flows."""
    async with live.db.transaction() as session:
        run = await open_run(session, live.paul_actor, "dossier_auto_bilan", 1)
        await set_position(session, live.paul_actor, run.id, "some_question")
    live.paul.send_command("journal")
    await reply(live.paul, containing("Votre journal"))
    live.paul.press_button("Nouvelle note")
    await reply(live.paul, containing("Écrivez votre note"))
    async with live.db.transaction() as session:
        current = await latest_open_run(session, live.paul_actor)
        waiting = await conversation.current(session, live.paul_actor)
    # The note is what the bot waits for; the dossier keeps its place for /reprendre.
    assert waiting is not None and waiting.flow == "journal"
    assert current is not None and current.current_step == "some_question"
    live.paul.send_command("annuler")
    await reply(live.paul, containing("C'est arrêté"))
    live.paul.send_text("Ceci n'est pas une note.")
    assert (await reply(live.paul)).content == FALLTHROUGH
    async with live.db.transaction() as session:
        assert await store.count_own_entries(session, live.paul_actor) == 0


async def test_a_note_asked_for_over_half_an_hour_ago_takes_no_text(live: Live) -> None:
    """The door checks the flow's maximum age before the flow sees the text: the
    wait still stands in the database (a draft lasts six hours), but a note asked
    for more than half an hour ago takes nothing, and the text gets the menu."""
    stale = utcnow() - BENEFICIARY_TEXT_WAIT - timedelta(minutes=1)
    async with live.db.transaction() as session:
        await save_dialogue(session, live.paul_actor, JOURNAL_FLOW, "text", now=stale)
        assert await conversation.current(session, live.paul_actor) is not None
    live.paul.send_text("Une note bien tardive.")
    assert (await reply(live.paul)).content == FALLTHROUGH
    fresh = utcnow() - BENEFICIARY_TEXT_WAIT + timedelta(minutes=1)
    async with live.db.transaction() as session:
        await save_dialogue(session, live.paul_actor, JOURNAL_FLOW, "text", now=fresh)
    live.paul.send_text("Une note encore à l'heure.")
    await reply(live.paul, containing("Enregistrée dans votre journal"))
    async with live.db.transaction() as session:
        assert await store.count_own_entries(session, live.paul_actor) == 1
