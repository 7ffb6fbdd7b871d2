"""``/reglages`` and ``/point`` as a counsellor and a beneficiary use them, through the
bot's own wiring (``bot.app.add_handlers``)."""

# ruff: noqa: F811 - the fixtures imported below are used by name
from __future__ import annotations

from storage.db import Database
from storage.journal import add_entry, set_shared
from tests.app_harness import AppHarness, app_bot  # noqa: F401 - the fixture
from tests.test_metiers_handlers import CLAIRE, PAUL, People, people  # noqa: F401

STALE = "Ce bouton n'est plus actif."


async def test_a_counsellor_sets_the_digest_day_and_hour_and_reads_when_it_comes(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    shown = await app_bot.send(CLAIRE, "/reglages")
    assert shown.text == "Point périodique : chaque lundi à 8 h 30."
    assert "✅ Hebdomadaire" in shown.labels and "✅ lun" in shown.labels

    daily = await app_bot.press_button(CLAIRE, shown, "Quotidien")
    assert daily.message_id == shown.message_id  # the screen changes in place
    assert daily.text.startswith("Point périodique : chaque jour à 8 h 30.\nProchain point : le ")
    assert "lun" not in daily.labels  # no day to choose for a daily digest

    weekly = await app_bot.press_button(CLAIRE, daily, "Hebdomadaire")
    tuesday = await app_bot.press_button(CLAIRE, weekly, "mar")
    evening = await app_bot.press_button(CLAIRE, tuesday, "17:30")
    assert evening.text.startswith("Point périodique : chaque mardi à 17 h 30.\n")
    assert "✅ mar" in evening.labels and "✅ 17:30" in evening.labels

    off = await app_bot.press_button(CLAIRE, evening, "Désactivé")
    assert off.text == "Point périodique : désactivé."
    assert "17:30" not in off.labels
    again = await app_bot.send(CLAIRE, "/reglages")
    assert again.text == "Point périodique : désactivé."  # saved, not only shown


async def test_a_forged_settings_press_is_refused_and_changes_nothing(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    shown = await app_bot.send(CLAIRE, "/reglages")
    for data in ("dg:d:9", "dg:h:2599", "dg:f:monthly", "dg:f", "dg:x:1", "dg:f:off:1"):
        after = await app_bot.press(CLAIRE, shown, data)
        assert app_bot.last_answer_text() == STALE, data
        assert after.text == shown.text, data
    assert (await app_bot.send(CLAIRE, "/reglages")).text == shown.text

    # A beneficiary's /reglages is their language; a digest button is not theirs.
    language = await app_bot.send(PAUL, "/reglages")
    assert language.text == "Choisissez votre langue :"
    assert "🇬🇧 English" in language.labels
    await app_bot.press(PAUL, language, "dg:f:off")
    assert app_bot.last_answer_text() == STALE


async def test_point_says_nothing_new_then_who_did_what_without_the_words(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    quiet = await app_bot.send(CLAIRE, "/point")
    assert quiet.text.startswith("Rien de nouveau depuis le ")

    async with db.transaction() as session:
        entry = await add_entry(session, people.paul, "Très personnel : ne pas diffuser")
        await set_shared(session, people.paul, entry.id, True)
    point = await app_bot.send(CLAIRE, "/point")
    assert point.text.startswith("📬 Votre point — depuis le ")
    assert "Paul\n  📓 1 note de journal partagée" in point.text
    assert "Très personnel" not in point.text
    assert point.data_of("Paul") == f"c:{people.paul.beneficiary_id}"

    # The mark moved: the same change is not told twice.
    assert (await app_bot.send(CLAIRE, "/point")).text.startswith("Rien de nouveau depuis le ")

    refused = await app_bot.send(PAUL, "/point")
    assert refused.text.startswith("Cette commande est réservée aux conseillers·ères.")
