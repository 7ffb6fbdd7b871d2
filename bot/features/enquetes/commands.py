"""``/enquetes`` (alias ``/inquiries``): the beneficiary's enquêtes métiers.

Listed for beneficiaries only; a counsellor who types it is sent to their
beneficiaries' cards, where the reports are.
"""

from __future__ import annotations

from bot.features.enquetes.screens import list_screen
from bot.i18n import N_
from bot.kit.commands import Asked, Command, only, screen_command
from bot.kit.screens import Screen
from storage.actors import BeneficiaryActor

ON_THEIR_CARD = N_("Your beneficiaries' enquêtes are on their card (/beneficiaires).")


@screen_command(who=only(BeneficiaryActor, ON_THEIR_CARD))
async def enquetes_command(asked: Asked) -> Screen:
    """``/enquetes``: their inquiries and the contacts shared with them."""
    return await list_screen(asked.session, asked.caller, asked.beneficiary)


COMMANDS = (
    Command.for_beneficiaries(
        ("enquetes", "inquiries"),
        N_("Your enquêtes métiers: meet people who do the job"),
        enquetes_command,
    ),
)
