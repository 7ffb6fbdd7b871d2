"""The person behind an update, resolved once, before any handler runs.

A ``TypeHandler`` in group -1 (:data:`GROUP`) asks the database who the
Telegram user is and what the bot waits for from them, in the update's unit
of work, and keeps the answer on the context (``context.caller``). Every
handler reads it from there (:func:`bot.runtime.identify`), none asks again.
Strangers are answered here: only ``/start``, the consent buttons and the
commands and presses of features open to a person who withdrew consent
(``Feature.open_to_withdrawn``: the rights screens, whose rights outlive the
consent) go on to the handlers; anything else gets the consent question back
if they have it open, else the polite sentence.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.features.onboarding.start import ask_consent_again, stranger_text
from bot.i18n import gettext_for
from bot.keyboards import CONSENT_PREFIX
from bot.kit.door import flow_label
from bot.kit.feature import assembled, open_to_withdrawn
from bot.kit.unit import current_unit
from bot.runtime import Caller, Context, resolve
from storage.conversation import Wait

GROUP = -1


async def resolve_caller(update: Update, context: Context) -> None:
    caller = await resolve(update, context)
    context.caller = caller
    if caller is None:
        return
    unit = current_unit()
    if unit is not None:
        unit.telegram_id = caller.telegram_id
        unit.describe = lambda waits: dropped_line(waits, caller.locale)
    if caller.actor is None and not _for_strangers(update, context):
        await _answer_stranger(update, context, caller)
        raise ApplicationHandlerStop


def handler() -> TypeHandler[Update, Context, None]:
    return TypeHandler(Update, resolve_caller)


def _for_strangers(update: Update, context: Context) -> bool:
    """``/start`` (an invitation link, or the consent question again), consent presses,
    and what the features open to people who withdrew consent (the rights screens,
    which check for themselves who may use them)."""
    commands, prefixes = open_to_withdrawn(assembled(context))
    message = update.message
    if message is not None and message.text is not None:
        words = message.text.split(maxsplit=1) or [""]  # a text of blanks has no word
        command = words[0].split("@", 1)[0]
        return command == "/start" or command.lstrip("/") in commands
    query = update.callback_query
    data = query.data or "" if query is not None else ""
    return data.startswith((CONSENT_PREFIX, *prefixes))


async def _answer_stranger(update: Update, context: Context, caller: Caller) -> None:
    if await ask_consent_again(update, context, caller.telegram_id):
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    if update.effective_message is not None and update.edited_message is None:
        await update.effective_message.reply_text(stranger_text(caller._, caller.retired))


def dropped_line(waits: list[Wait], locale: str) -> str | None:
    """One line: what the person had started and just left by starting something else.

    A person has one wait at a time, so this names the last one dropped.
    """
    _ = gettext_for(locale)
    labels = [label for wait in waits if (label := flow_label(wait, _))]
    return _("↩️ I set aside {what}.").format(what=labels[-1]) if labels else None
