"""``/competences``: the beneficiary's skills portfolio (a counsellor opens one from a card)."""

from __future__ import annotations

from bot.features.portfolio.gathering import opening
from bot.i18n import N_
from bot.kit.commands import Asked, Command, only, screen_command
from bot.kit.screens import Screen
from storage.actors import BeneficiaryActor

ON_THEIR_CARD = N_("Open a beneficiary's card with /beneficiaires to read their skills portfolio.")


@screen_command(who=only(BeneficiaryActor, ON_THEIR_CARD))
async def competences_command(asked: Asked) -> Screen:
    """``/competences``: gathered again, first page of savoir-faire."""
    return await opening(asked.session, asked.beneficiary, asked.caller.locale, asked._)


COMMANDS = (
    Command.for_beneficiaries("competences", N_("Your skills portfolio"), competences_command),
)
