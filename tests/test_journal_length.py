"""A journal note as long as Telegram allows, through the bot's whole wiring, on both databases.

The recording Bot API refuses any message over 4,096 characters (as Telegram
counts them), so every screen the bot shows around a full-length note must
fit as well as the note itself.
"""

# ruff: noqa: F811 - the fixtures imported below are used by name
from __future__ import annotations

from storage import journal as store
from storage.db import Database
from tests.app_harness import AppHarness, app_bot  # noqa: F401 - the fixture
from tests.test_metiers_handlers import CLAIRE, PAUL, People, Shown, people  # noqa: F401

SENTENCE = "Mardi, j'ai parlé à Léa & à <Marc> de l'enquête métier ; "


def full_note(length: int = 4096) -> str:
    text = (SENTENCE * (length // len(SENTENCE) + 1))[: length - 3] + "fin"
    assert len(text) == len(text.encode("utf-16-le")) // 2 == length
    return text


def shown_in(bot: AppHarness, chat_id: int) -> list[Shown]:
    return [m for (chat, _), m in sorted(bot.telegram.messages.items()) if chat == chat_id]


async def test_a_note_of_4096_characters_is_kept_whole_and_read_whole(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    note = full_note()
    journal = await app_bot.send(PAUL, "/journal")
    await app_bot.press_button(PAUL, journal, "Nouvelle note")
    before = len(shown_in(app_bot, PAUL.telegram_id))
    saved = await app_bot.send(PAUL, note)
    the_note, controls = shown_in(app_bot, PAUL.telegram_id)[before:]
    assert the_note.text == note
    assert "Enregistrée dans votre journal" in controls.text
    assert "juste au-dessus" in controls.text and controls is saved
    async with db.transaction() as session:
        [entry] = await store.own_entries(session, people.paul)
    assert entry.text == note

    shared = await app_bot.press_button(PAUL, saved, "La partager")
    assert shared.message_id == saved.message_id and "👁 Partagée" in shared.text

    listing = await app_bot.send(PAUL, "/journal")
    assert "fin" not in listing.text.split("—")[-1]  # the list shows a short start only
    before = len(shown_in(app_bot, PAUL.telegram_id))
    await app_bot.press(PAUL, listing, f"j:v:{entry.id}")
    opened = shown_in(app_bot, PAUL.telegram_id)[before:]
    assert [m.text for m in opened] == [note, opened[1].text]
    assert opened[1].labels[0].startswith("🔒")

    picker = await app_bot.send(CLAIRE, "/journal")
    before = len(shown_in(app_bot, CLAIRE.telegram_id))
    await app_bot.press_button(CLAIRE, picker, "(1)")
    read = "\n".join(m.text for m in shown_in(app_bot, CLAIRE.telegram_id)[before:])
    assert note in read and "Journal partagé par Paul" in read


async def test_a_shorter_note_stays_in_one_message_with_its_buttons(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    journal = await app_bot.send(PAUL, "/journal")
    await app_bot.press_button(PAUL, journal, "Nouvelle note")
    before = len(shown_in(app_bot, PAUL.telegram_id))
    saved = await app_bot.send(PAUL, full_note(3900))
    assert shown_in(app_bot, PAUL.telegram_id)[before:] == [saved]
    assert "fin\n\n🔒 Privée" in saved.text and saved.labels[0].startswith("👁")
