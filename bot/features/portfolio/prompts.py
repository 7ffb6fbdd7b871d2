"""What the portfolio asks the beneficiary to type, and what it answers when it cannot take it.

A skill of their own (its kind first, then its label) or a sentence of
evidence; each prompt carries the Cancel button (``pf:q``).
"""

from __future__ import annotations

from telegram import InlineKeyboardButton

from bot.i18n import Translate
from bot.keyboards import button
from bot.kit.screens import Screen, e
from storage.portfolio import EVIDENCE_MAX, LABEL_MAX, PortfolioSkill


def typing_rows(_: Translate) -> list[list[InlineKeyboardButton]]:
    return [[button(_("Cancel"), "pf:q")]]


def kind_question(_: Translate) -> Screen:
    text = _(
        "Which kind of skill?\n"
        "• <b>Savoir-faire</b>: something you know how to do (keep accounts, repair an engine).\n"
        "• <b>Savoir-être</b>: a way of going about things (patience, being organised)."
    )
    rows = [
        [button(_("🛠 Savoir-faire"), "pf:a:f"), button(_("🤝 Savoir-être"), "pf:a:e")],
        [button(_("Cancel"), "pf:q")],
    ]
    return Screen(text, rows)


def label_prompt(kind: str, _: Translate) -> str:
    if kind == "savoir_etre":
        text = _("Type the savoir-être in one message, for example “Patience with the public”.")
    else:
        text = _(
            "Type the savoir-faire in one message, for example “Keep the accounts of a "
            "small association”."
        )
    return text + "\n" + _("({max} characters at most.)").format(max=LABEL_MAX)


def sentence_prompt(skill: PortfolioSkill, _: Translate) -> str:
    return _(
        "Write in one message what shows that you have “{label}”: a situation, what you did, "
        "what came of it. ({max} characters at most.)"
    ).format(label=e(skill.label), max=EVIDENCE_MAX)


def label_screen(kind: str, _: Translate) -> Screen:
    return Screen(label_prompt(kind, _), typing_rows(_))


def sentence_screen(skill: PortfolioSkill, _: Translate) -> Screen:
    return Screen(sentence_prompt(skill, _), typing_rows(_))


def typing_screen(text: str, _: Translate) -> Screen:
    """A word about what they typed, with the Cancel button: the bot still waits."""
    return Screen(text, typing_rows(_))


def too_long(limit: int, _: Translate) -> str:
    return _("That is a little long: {max} characters at most, please.").format(max=limit)
