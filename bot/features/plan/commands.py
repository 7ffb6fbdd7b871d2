"""``/plan``: the beneficiary's own project and action plan.

Listed for beneficiaries only; a counsellor who types it is sent to their
beneficiaries' cards, where each plan opens.
"""

from __future__ import annotations

from telegram import Update

from bot.features.plan.screens import screen_for
from bot.i18n import N_
from bot.kit.commands import BENEFICIARY, Command
from bot.kit.screens import send
from bot.runtime import Context, identify, work
from storage.actors import CounsellorActor
from storage.plans import stop_input


async def plan_command(update: Update, context: Context) -> None:
    """``/plan``: their plan; whatever they were typing into it is left."""
    caller = await identify(update, context)
    if caller is None or caller.actor is None or update.effective_message is None:
        return
    actor = caller.actor
    if isinstance(actor, CounsellorActor):
        await update.effective_message.reply_text(
            caller._("Open a beneficiary's card with /beneficiaires to see their action plan.")
        )
        return
    async with work(context) as session:
        await stop_input(session, actor)
        screen = await screen_for(session, actor, actor.beneficiary_id, caller.locale, caller._)
    await send(update, screen)


COMMANDS = (
    Command(
        ("plan",),
        N_("Your professional project and action plan"),
        plan_command,
        roles=(BENEFICIARY,),
    ),
)
