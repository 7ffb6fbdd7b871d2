"""``/aide``, ``/menu``, ``/lang`` and ``/annuler``: what every person can type, in any role."""

from __future__ import annotations

import logging

from telegram import Update

from bot.features import rights
from bot.i18n import N_, Translate, gettext_for
from bot.keyboards import LANG_PREFIX, language_keyboard
from bot.kit.commands import COUNSELLOR, Command, Lists, anyone, help_lines, lists, role_of
from bot.menu import menu_markup
from bot.runtime import Context, work
from bot.settings import SUPPORTED_LOCALES
from storage import conversation
from storage.actors import PersonActor
from storage.people import set_locale

log = logging.getLogger(__name__)


def help_text(actor: PersonActor, _: Translate, by_role: Lists) -> str:
    """Every command of the person's role, one a line: the same list as their menu."""
    role = role_of(actor)
    lines = help_lines(by_role[role], role, _)
    if role == COUNSELLOR:
        return _("What you can do as a counsellor:") + "\n" + lines
    return "\n".join(
        (_("What you can do:"), lines, "", _("Only you and your counsellor can read your answers."))
    )


async def help_command(update: Update, context: Context) -> None:
    known = await anyone(update, context)
    if known is None or update.effective_message is None:
        return
    caller, actor = known
    if update.callback_query is not None:
        await update.callback_query.answer()
    await update.effective_message.reply_text(
        help_text(actor, caller._, lists(context)),
        reply_markup=await menu_markup(context, actor, caller._),
    )


async def menu_command(update: Update, context: Context) -> None:
    known = await anyone(update, context)
    if known is None or update.effective_message is None:
        return
    caller, actor = known
    await update.effective_message.reply_text(
        caller._("Your menu:"), reply_markup=await menu_markup(context, actor, caller._)
    )


async def lang_command(update: Update, context: Context) -> None:
    known = await anyone(update, context)
    if known is None or update.effective_message is None:
        return
    caller, _actor = known
    if update.callback_query is not None:
        await update.callback_query.answer()
    await update.effective_message.reply_text(
        caller._("Choose your language:"), reply_markup=language_keyboard(caller._)
    )


async def lang_chosen(update: Update, context: Context) -> None:
    query = update.callback_query
    known = await anyone(update, context)
    if known is None or query is None or query.data is None:
        return
    _caller, actor = known
    locale = query.data.removeprefix(LANG_PREFIX)
    if locale not in SUPPORTED_LOCALES:
        await query.answer()
        return
    async with work(context) as session:
        await set_locale(session, actor, locale)
    _ = gettext_for(locale)
    await query.answer()
    await query.edit_message_text(
        _("Done: I will now speak English with you."),
        reply_markup=await menu_markup(context, actor, _),
    )


async def cancel_command(update: Update, context: Context) -> None:
    known = await anyone(update, context)
    if known is None or update.effective_message is None:
        return
    caller, actor = known
    async with work(context) as session:
        # One conversation per person: ending it stops whatever waited for their text.
        await conversation.end(session, actor)
        await rights.cancel(session, actor)
    await update.effective_message.reply_text(
        caller._("Stopped. Nothing you answered is lost; pick up again from the menu."),
        reply_markup=await menu_markup(context, actor, caller._),
    )


MENU = Command(("menu",), N_("Your menu"), menu_command)
"""Listed for beneficiaries, near the top of their list; a counsellor may type it too."""
EVERYDAY = (
    Command(("lang",), N_("Change the language"), lang_command),
    Command(("annuler", "cancel"), N_("Leave what you are doing"), cancel_command),
    Command(("aide", "help"), N_("Help"), help_command),
)
"""Listed for both roles, at the end of each list."""
