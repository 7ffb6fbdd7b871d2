"""``/mesdonnees`` through the bot's own wiring: the entry, what is kept, the erasure's
steps, the withdrawal, and who may use it (a person who withdrew consent, yes; a
counsellor, no; a forged press, a stale button)."""

# ruff: noqa: F811 - the fixtures imported below are used by name
from __future__ import annotations

from tests.app_harness import AppHarness, app_bot  # noqa: F401 - the fixture
from tests.test_metiers_handlers import CLAIRE, PAUL, STRANGER, People, people  # noqa: F401


async def test_the_entry_screen_and_what_is_kept(people: People, app_bot: AppHarness) -> None:
    home = await app_bot.send(PAUL, "/mesdonnees")
    assert "Vos données" in home.text
    assert home.data == ["rg:see", "rg:exp", "rg:wd", "rg:del"]
    before = len(app_bot.telegram.messages)
    kept = await app_bot.press_button(PAUL, home, "Ce qui est conservé")
    assert len(app_bot.telegram.messages) > before, "what is kept comes in a new message"
    assert kept.message_id != home.message_id
    assert kept.labels[-1] == "⬅️ Retour"
    back = await app_bot.press(PAUL, kept, "rg:home")
    assert back.message_id == kept.message_id and "Vos données" in back.text


async def test_erasing_asks_twice_and_cancel_forgets_it(
    people: People, app_bot: AppHarness
) -> None:
    home = await app_bot.send(PAUL, "/mesdonnees")
    first = await app_bot.press(PAUL, home, "rg:del")
    assert first.message_id == home.message_id
    assert first.data == ["rg:exp", "rg:del1", "rg:home"]
    second = await app_bot.press(PAUL, first, "rg:del1")
    assert "Dernière étape." in second.text
    assert second.data == ["rg:del2", "rg:home"]
    await app_bot.press(PAUL, second, "rg:home")
    # The confirmation was forgotten: a press on the old button erases nothing.
    late = await app_bot.press(PAUL, second, "rg:del2")
    assert "Cette confirmation a expiré." in late.text
    assert (await app_bot.send(PAUL, "/mesdonnees")).data[0] == "rg:see"


async def test_a_person_who_withdrew_keeps_their_rights(
    people: People, app_bot: AppHarness
) -> None:
    home = await app_bot.send(PAUL, "/mesdonnees")
    question = await app_bot.press(PAUL, home, "rg:wd")
    assert question.data[0] == "rg:wd1"
    done = await app_bot.press(PAUL, question, "rg:wd1")
    assert "Votre consentement est retiré" in done.text
    assert done.data == ["rg:del", "rg:keep"]
    again = await app_bot.press(PAUL, done, "rg:keep")
    assert "Vous avez retiré votre consentement le" in again.text
    assert "rg:wd" not in again.data
    assert "Votre consentement est déjà retiré." in (await app_bot.press(PAUL, again, "rg:wd")).text
    assert "Vous avez retiré votre consentement" in (await app_bot.send(PAUL, "/mydata")).text


async def test_a_counsellor_is_told_whom_it_is_for(people: People, app_bot: AppHarness) -> None:
    said = await app_bot.send(CLAIRE, "/mesdonnees")
    assert said.text == (
        "C'est ici que les bénéficiaires voient, exportent ou effacent leurs données."
    )
    home = await app_bot.send(PAUL, "/mesdonnees")
    await app_bot.press(CLAIRE, home, "rg:del2")
    assert app_bot.telegram.last(CLAIRE.telegram_id).text.startswith("C'est ici")
    assert "Vos données" in (await app_bot.send(PAUL, "/mesdonnees")).text


async def test_a_forged_press_is_a_stale_button(people: People, app_bot: AppHarness) -> None:
    home = await app_bot.send(PAUL, "/mesdonnees")
    for forged in ("rg:nope", "rg:syn:maybe"):
        await app_bot.press(PAUL, home, forged)
        assert app_bot.last_answer_text() == "Ce bouton n'est plus actif."
    closed = await app_bot.press(PAUL, home, "rg:syn")
    assert closed.text == "Cette question n'est plus ouverte."
    await app_bot.press(STRANGER, home, "rg:see")
    assert "rg:" not in "".join(app_bot.telegram.last(STRANGER.telegram_id).data)
