"""``/competences``: the beneficiary's skills portfolio (a counsellor opens one from a card)."""

from __future__ import annotations

from telegram import Update

from bot.features.portfolio.gathering import opening
from bot.i18n import N_
from bot.kit.commands import BENEFICIARY, Command
from bot.kit.screens import Screen, send
from bot.runtime import Context, identify, work
from storage.actors import BeneficiaryActor


async def competences_command(update: Update, context: Context) -> None:
    """``/competences``: gathered again, first page of savoir-faire."""
    caller = await identify(update, context)
    if caller is None or caller.actor is None:
        return
    me = caller.actor
    if not isinstance(me, BeneficiaryActor):
        text = caller._(
            "Open a beneficiary's card with /beneficiaires to read their skills portfolio."
        )
        await send(update, Screen(text))
        return
    async with work(context) as session:
        screen = await opening(session, me, caller.locale, caller._)
    await send(update, screen)


COMMANDS = (
    Command(
        ("competences",),
        N_("Your skills portfolio"),
        competences_command,
        roles=(BENEFICIARY,),
    ),
)
