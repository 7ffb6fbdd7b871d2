"""Who may use the rights screens: a beneficiary whose consent is given *or withdrawn*.

The caller was resolved before any handler (:mod:`bot.kit.caller`), which
lets the rights screens through for strangers: a person who withdrew their
consent is a stranger to every other screen, never to their rights. So only
for a stranger is the database asked whether they hold rights here
(:func:`storage.rights.rights_holder`); a counsellor is told where this is,
anyone else gets the polite sentence.
"""

from __future__ import annotations

from dataclasses import replace

from telegram import Update

from bot.features.onboarding.start import stranger_text
from bot.runtime import Caller, Context, identify, work
from storage import rights
from storage.actors import BeneficiaryActor, CounsellorActor


async def rights_holder(
    update: Update, context: Context, caller: Caller | None = None
) -> tuple[Caller, BeneficiaryActor] | None:
    """The rights holder behind the update, speaking their language, or a polite refusal."""
    caller = caller or await identify(update, context)
    if caller is None:
        return None
    actor = caller.actor
    if actor is None:
        async with work(context) as session:
            actor = await rights.rights_holder(session, caller.telegram_id)
    if isinstance(actor, BeneficiaryActor):
        return replace(caller, actor=actor, locale=actor.locale), actor
    message = update.effective_message
    if update.callback_query is not None:
        await update.callback_query.answer()
    if message is None:
        return None
    if isinstance(caller.actor, CounsellorActor):
        await message.reply_text(
            caller._("This is where beneficiaries see, export or erase their data.")
        )
    else:
        await message.reply_text(stranger_text(caller._, caller.retired))
    return None
