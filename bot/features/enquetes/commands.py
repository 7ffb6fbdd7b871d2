"""``/enquetes`` (alias ``/inquiries``): the beneficiary's enquêtes métiers.

Listed for beneficiaries only; a counsellor who types it is sent to their
beneficiaries' cards, where the reports are.
"""

from __future__ import annotations

from telegram import Update

from bot.features.enquetes.screens import list_screen
from bot.i18n import N_
from bot.kit.commands import BENEFICIARY, Command
from bot.kit.screens import send
from bot.runtime import Context, identify, work
from storage.actors import BeneficiaryActor


async def enquetes_command(update: Update, context: Context) -> None:
    """``/enquetes``: their inquiries and the contacts shared with them."""
    caller = await identify(update, context)
    if caller is None or caller.actor is None or update.effective_message is None:
        return
    me = caller.actor
    if not isinstance(me, BeneficiaryActor):
        await update.effective_message.reply_text(
            caller._("Your beneficiaries' enquêtes are on their card (/beneficiaires).")
        )
        return
    async with work(context) as session:
        screen = await list_screen(session, caller, me)
    await send(update, screen)


COMMANDS = (
    Command(
        ("enquetes", "inquiries"),
        N_("Your enquêtes métiers: meet people who do the job"),
        enquetes_command,
        roles=(BENEFICIARY,),
    ),
)
