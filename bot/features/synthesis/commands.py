"""``/synthese`` (alias ``/synthesis``): the person's synthesis document.

Listed for beneficiaries only; a counsellor who types it is sent to the
person's card, where their synthesis is.
"""

from __future__ import annotations

from telegram import Update

from bot.features.onboarding.start import stranger_text
from bot.features.synthesis.review import my_synthesis
from bot.i18n import N_
from bot.kit.commands import Command
from bot.runtime import Context, identify
from storage.actors import BeneficiaryActor


async def synthesis_command(update: Update, context: Context) -> None:
    """``/synthese``: the person's synthesis (a counsellor opens it from the card)."""
    caller = await identify(update, context)
    message = update.effective_message
    if caller is None or message is None:
        return
    if caller.actor is None:
        await message.reply_text(stranger_text(caller._, caller.retired))
        return
    if not isinstance(caller.actor, BeneficiaryActor):
        await message.reply_text(
            caller._("Open the person's card, then “📝 Synthesis”: /beneficiaires.")
        )
        return
    await my_synthesis(update, context, caller.actor, caller._)


COMMANDS = (
    Command.for_beneficiaries(
        ("synthese", "synthesis"), N_("Your synthesis document"), synthesis_command
    ),
)
