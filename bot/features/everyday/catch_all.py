"""The answer to what no handler took: a message no flow waits for, a press nobody knows.

These handlers match everything, so the application adds them after every
feature (:data:`bot.features.everyday.LAST`).
"""

from __future__ import annotations

from telegram import Update

from bot.kit.commands import anyone
from bot.kit.feature import assembled, stray_file_text
from bot.menu import menu_markup
from bot.runtime import Context


async def anything_else(update: Update, context: Context) -> None:
    """Any message no flow is waiting for: a sticker, a photo, a long text, an edit."""
    known = await anyone(update, context)
    if known is None or update.effective_message is None:
        return
    caller, actor = known
    message = update.effective_message
    hint = stray_file_text(assembled(context), actor, caller._) if message.document else None
    if hint is not None:
        await message.reply_text(hint)
        return
    await message.reply_text(
        caller._("I did not expect a message here. Use the menu to choose what to do."),
        reply_markup=await menu_markup(context, actor, caller._),
    )


async def unknown_button(update: Update, context: Context) -> None:
    """A press whose data we do not recognise (an old or forged button)."""
    query = update.callback_query
    known = await anyone(update, context)
    if known is None or query is None:
        return
    caller, _actor = known
    await query.answer(caller._("This button is no longer active."), show_alert=False)
