"""``/plan``: the beneficiary's own project and action plan.

Listed for beneficiaries only; a counsellor who types it is sent to their
beneficiaries' cards, where each plan opens.
"""

from __future__ import annotations

from bot.features.plan.screens import screen_for
from bot.i18n import N_
from bot.kit.commands import Asked, Command, only, screen_command
from bot.kit.screens import Screen
from storage.actors import BeneficiaryActor
from storage.plans import stop_input

ON_THEIR_CARD = N_("Open a beneficiary's card with /beneficiaires to see their action plan.")


@screen_command(who=only(BeneficiaryActor, ON_THEIR_CARD))
async def plan_command(asked: Asked) -> Screen:
    """``/plan``: their plan; whatever they were typing into it is left."""
    me = asked.beneficiary
    await stop_input(asked.session, me)
    return await screen_for(asked.session, me, me.beneficiary_id, asked.caller.locale, asked._)


COMMANDS = (
    Command.for_beneficiaries(
        "plan", N_("Your professional project and action plan"), plan_command
    ),
)
