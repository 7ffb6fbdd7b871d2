"""Where a message that is not a command goes: the flow waiting for typed text, else the menu."""

from __future__ import annotations

from telegram import Update

from bot.handlers import (
    card,
    contacts,
    enquetes,
    followups,
    journal,
    metiers,
    plan,
    portfolio,
    sessions,
    synthesis,
    tasks,
)
from bot.handlers.common import anything_else
from bot.questionnaire import flow
from bot.runtime import Context


async def route_message(update: Update, context: Context) -> None:
    if await synthesis.handle_message(update, context):
        return
    if await metiers.handle_text(update, context):
        return
    if await portfolio.handle_text(update, context):
        return
    if await plan.handle_text(update, context):
        return
    if await followups.handle_text(update, context):
        return
    if await flow.handle_text(update, context):
        return
    if await contacts.handle_text(update, context):
        return
    if await enquetes.handle_text(update, context):
        return
    for waiting in (card, sessions, tasks, journal):
        if await waiting.handle_text(update, context):
            return
    await anything_else(update, context)
