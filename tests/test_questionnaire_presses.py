"""The questionnaire's buttons as a beneficiary presses them, through the bot's own wiring.

The end-to-end test answers the whole dossier against the stand-in Bot API;
these walk the presses it does not: the person's own words for "Other", a
button from a screen the person has moved past, a forged or foreign press,
and changing an answer from the recap before sending.
"""

# ruff: noqa: F811 - the fixtures imported below are used by name
from __future__ import annotations

from storage.db import Database
from tests.app_harness import AppHarness, app_bot  # noqa: F401 - the fixture
from tests.e2e.answering import typed_answer
from tests.test_metiers_handlers import CLAIRE, PAUL, People, Shown, people  # noqa: F401

STALE = "Ce bouton n'est plus actif."
FIRST = "Quelle est votre situation professionnelle aujourd'hui\u202f?"


def is_question(shown: Shown) -> bool:
    return "▱" in shown.text or "▰" in shown.text


def of_action(shown: Shown, action: str) -> list[str]:
    """The question's buttons for ``action`` (``q:<run>:<tag>:<action>[:<arg>]``)."""
    return [d for d in shown.data if d.startswith("q:") and d.split(":")[3:4] == [action]]


async def open_dossier(bot: AppHarness) -> Shown:
    menu = await bot.send(PAUL, "/menu")
    entry = await bot.press_button(PAUL, menu, "dossier auto-bilan")
    question = await bot.press_button(PAUL, entry, "Commencer")
    assert FIRST in question.text
    return question


async def answer(bot: AppHarness, shown: Shown) -> Shown:
    """Answer the question shown as a patient person would; what the bot shows next."""
    if of_action(shown, "v"):
        ticked = await bot.press(PAUL, shown, of_action(shown, "t")[0])
        return await bot.press(PAUL, ticked, of_action(ticked, "v")[0])
    choices = [d for d in of_action(shown, "a") if not d.endswith((":skip", ":unknown", ":yes"))]
    if choices:
        return await bot.press(PAUL, shown, choices[len(choices) // 2])
    return await bot.send(PAUL, typed_answer(shown.text))


async def test_other_words_back_and_a_press_from_a_screen_left_behind(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    first = await open_dossier(app_bot)
    prompt = await app_bot.press(PAUL, first, of_action(first, "o")[0])
    assert prompt.message_id == first.message_id and FIRST in prompt.text
    back = await app_bot.press_button(PAUL, prompt, "Précédent")
    assert back.message_id == first.message_id and FIRST in back.text and is_question(back)

    prompt = await app_bot.press(PAUL, back, of_action(back, "o")[0])
    following = await app_bot.send(PAUL, "Intermittent du spectacle")
    assert is_question(following) and FIRST not in following.text

    # The first screen's buttons are behind Paul now: told so, and shown where he is.
    await app_bot.press(PAUL, first, of_action(first, "a")[0])
    assert app_bot.last_answer_text() == "Cette question est derrière vous ; voici où vous en êtes."
    here = app_bot.telegram.last(PAUL.telegram_id)
    assert here.message_id != following.message_id and here.text == following.text

    # Going back shows his own words as the current answer.
    previous = await app_bot.press(PAUL, here, of_action(here, "b")[0])
    assert FIRST in previous.text and "Intermittent du spectacle" in previous.text


async def test_forged_and_foreign_presses_read_as_old_buttons(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    first = await open_dossier(app_bot)
    run, tag = first.data[0].split(":")[1:3]
    for data in (
        f"q:{int(run) + 50}:{tag}:a:cdi",  # a run that is not Paul's
        f"q:{run}:{tag}:zz",  # no such action
        f"q:{run}:{tag}:g:0",  # the recap's action at a question
        f"q:{run}:{tag}:e",
        "q:open:no_such_instrument",
        "q:pick:nothing",
        "q:mine:abc",
        "q:x",
    ):
        after = await app_bot.press(PAUL, first, data)
        assert app_bot.last_answer_text() == STALE, data
        assert after.text == first.text, data  # nothing moved

    # Claire cannot press in Paul's questionnaire, and her /reprendre says where to look.
    hers = await app_bot.send(CLAIRE, "/menu")
    await app_bot.press(CLAIRE, hers, first.data[0])
    assert app_bot.last_answer_text() == STALE
    told = await app_bot.send(CLAIRE, "/reprendre")
    assert (
        told.text == "Les questionnaires de vos bénéficiaires sont sur leur fiche (/beneficiaires)."
    )
    assert FIRST in (await app_bot.send(PAUL, "/reprendre")).text  # still where he was


async def test_an_answer_changed_from_the_recap_then_sent(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    shown = await open_dossier(app_bot)
    for _ in range(200):
        if not is_question(shown):
            break
        shown = await answer(app_bot, shown)
    assert shown.labels == ["✏️ Modifier une réponse", "📨 Envoyer à mon conseiller·ère"], shown

    parts = await app_bot.press_button(PAUL, shown, "Modifier une réponse")
    assert parts.text == "Quelle partie voulez-vous modifier ?"
    assert parts.labels[0] == "Votre situation aujourd'hui" and parts.labels[-1] == "Vos pistes"
    assert "Vos expériences professionnelles · expérience 1" in parts.labels
    questions = await app_bot.press(PAUL, parts, parts.data[0])
    assert questions.text == "Quelle question ?"
    assert questions.labels[0].startswith("1. Quelle est votre situation professionnelle")
    again = await app_bot.press(PAUL, questions, questions.data[0])
    assert FIRST in again.text and "Votre réponse actuelle" in again.text

    changed = await app_bot.press_button(PAUL, again, "À mon compte")
    # The answer changed shows a question it had hidden; then the recap again.
    while is_question(changed):
        changed = await answer(app_bot, changed)
    assert "Envoyer à mon conseiller·ère" in " ".join(changed.labels)

    sent = await app_bot.press_button(PAUL, changed, "Envoyer")
    assert sent.text.startswith("C'est envoyé.")
    assert "Ensuite : Mes centres d'intérêt" in " ".join(sent.labels)
    # The recap's buttons are gone; a press on an older copy of them says it was sent.
    assert app_bot.telegram.messages[(PAUL.telegram_id, changed.message_id)].buttons == []
    await app_bot.press(PAUL, changed, changed.data_of("Envoyer"))
    assert app_bot.last_answer_text() == "Ce questionnaire a déjà été envoyé."
