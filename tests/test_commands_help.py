"""The menu Telegram shows (``setMyCommands``) and ``/aide`` list the same commands.

Both are made from one list per role (``bot.app.command_lists``); these tests
read them as the person would: the commands the bot declared to Telegram for
their role and language, then the help the bot answers to their ``/aide``.
"""

# ruff: noqa: F811 - the fixtures imported below are used by name
from __future__ import annotations

from typing import Any

import pytest
from telegram.ext import CommandHandler

from bot.app import register_commands
from bot.features import enquetes
from bot.kit.commands import LISTS_KEY, ROLES, Lists
from storage.db import Database
from tests.app_harness import AppHarness, app_bot  # noqa: F401 - the fixture
from tests.test_metiers_handlers import CLAIRE, EMMA, PAUL, People, Person, people  # noqa: F401

MENU_CALLS = ("setMyCommands", "setChatMenuButton")


async def declared(bot: AppHarness, monkeypatch: pytest.MonkeyPatch) -> dict[Any, list[Any]]:
    """What the bot told Telegram at start-up: (chat or None, language) → [(name, text)]."""
    answer = bot.telegram._answer

    def accept(name: str, params: dict[str, Any]) -> Any:
        return True if name in MENU_CALLS else answer(name, params)

    monkeypatch.setattr(bot.telegram, "_answer", accept)
    await register_commands(bot.application)
    menus: dict[Any, list[Any]] = {}
    for name, params in bot.telegram.calls:
        if name != "setMyCommands":
            continue
        scope = params.get("scope") or {}
        key = (scope.get("chat_id"), params.get("language_code"))
        assert key not in menus, f"{key} declared twice"
        menus[key] = [(c["command"], c["description"]) for c in params["commands"]]
    return menus


async def help_of(bot: AppHarness, person: Person) -> list[str]:
    return (await bot.send(person, "/aide")).text.splitlines()


def command_lines(text: list[str]) -> list[tuple[str, str]]:
    """The help's ``/name — description`` lines, as (name, description)."""
    found = []
    for line in text:
        if line.startswith("/"):
            name, _, description = line[1:].partition(" — ")
            found.append((name, description))
    return found


async def speak_english(bot: AppHarness, person: Person) -> None:
    shown = await bot.send(person, "/lang")
    done = await bot.press_button(person, shown, "English")
    assert "speak English" in done.text


async def test_help_lists_exactly_the_menu_of_each_role_in_both_languages(
    db: Database, people: People, app_bot: AppHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    menus = await declared(app_bot, monkeypatch)
    beneficiary_fr, beneficiary_en = menus[(None, "fr")], menus[(None, "en")]
    assert menus[(None, None)] == beneficiary_fr  # French when Telegram knows no language
    claire = CLAIRE.telegram_id
    counsellor_fr, counsellor_en = menus[(claire, "fr")], menus[(claire, "en")]
    assert menus[(claire, None)] == counsellor_fr

    paul = await help_of(app_bot, PAUL)
    assert paul[0] == "Ce que vous pouvez faire :"
    assert command_lines(paul) == beneficiary_fr
    assert paul[-1] == "Seuls vous et votre conseiller·ère pouvez lire vos réponses."
    emma = await help_of(app_bot, EMMA)
    assert emma[0] == "What you can do:"
    assert command_lines(emma) == beneficiary_en
    assert emma[-1] == "Only you and your counsellor can read your answers."

    assert (await help_of(app_bot, CLAIRE))[
        0
    ] == "Ce que vous pouvez faire en tant que conseiller·ère :"
    assert command_lines(await help_of(app_bot, CLAIRE)) == counsellor_fr
    await speak_english(app_bot, CLAIRE)
    claire_en = await help_of(app_bot, CLAIRE)
    assert claire_en[0] == "What you can do as a counsellor:"
    assert command_lines(claire_en) == counsellor_en

    for menu in (beneficiary_fr, beneficiary_en, counsellor_fr, counsellor_en):
        assert [name for name, _ in menu][-3:] == ["lang", "annuler", "aide"]
    assert dict(beneficiary_fr)["aide"] == "Aide" and dict(beneficiary_en)["aide"] == "Help"
    assert [n for n, _ in beneficiary_fr] == [n for n, _ in beneficiary_en]
    assert [n for n, _ in counsellor_fr] == [n for n, _ in counsellor_en]
    assert beneficiary_fr != beneficiary_en and counsellor_fr != counsellor_en


async def test_a_beneficiary_is_told_of_jobs_skills_and_follow_ups(
    db: Database, people: People, app_bot: AppHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    menus = await declared(app_bot, monkeypatch)
    paul = dict(command_lines(await help_of(app_bot, PAUL)))
    assert paul["metiers"] == "Métiers à explorer d'après vos intérêts"
    assert paul["competences_metier"] == "Votre métier et les compétences qu'il vous apporte"
    assert paul["suivi"] == "Vos points de suivi après le bilan"
    emma = dict(command_lines(await help_of(app_bot, EMMA)))
    assert emma["metiers"] == "Jobs to explore from your interests"
    assert emma["suivi"] == "Your follow-up check-ins after the bilan"
    for names in (paul, emma, dict(menus[(None, "fr")]), dict(menus[(None, "en")])):
        assert {"metiers", "competences_metier", "suivi", "enquetes", "mesdonnees"} <= set(names)
        assert not {"invite", "beneficiaires", "contacts", "point"} & set(names)
    claire = dict(command_lines(await help_of(app_bot, CLAIRE)))
    assert {"invite", "beneficiaires", "seance", "tache", "contacts", "bureau"} <= set(claire)
    assert not {"metiers", "suivi", "enquetes", "menu", "reprendre"} & set(claire)


async def test_every_listed_command_is_answered_and_every_feature_command_listed(
    app_bot: AppHarness,
) -> None:
    application = app_bot.application
    answered = {
        name
        for group in application.handlers.values()
        for handler in group
        if isinstance(handler, CommandHandler)
        for name in handler.commands
    }
    by_role: Lists = application.bot_data[LISTS_KEY]
    for role in ROLES:
        for command in by_role[role]:
            assert set(command.names) <= answered, f"/{command.name} has no handler"
            assert role in command.roles
    for command in enquetes.FEATURE.commands:
        for role in command.roles:
            assert command in by_role[role], f"/{command.name} missing for {role}"
