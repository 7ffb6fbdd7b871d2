"""``/metiers`` (the pistes of the latest Holland code) and ``/competences_metier`` (my job).

Listed for beneficiaries; a counsellor may type them too: ``/metiers``
browses by letters, ``/competences_metier`` says it starts from the
person's own job.
"""

from __future__ import annotations

from telegram import Update

from bot.features.metiers.entries import job_entry, pistes_entry
from bot.i18n import N_
from bot.kit.commands import Command
from bot.kit.screens import send
from bot.runtime import Context, identify


async def metiers_command(update: Update, context: Context) -> None:
    """``/metiers``: the pistes of the latest Holland code."""
    caller = await identify(update, context)
    if caller is None or caller.actor is None:
        return
    await send(update, await pistes_entry(caller, context))


async def competences_command(update: Update, context: Context) -> None:
    """``/competences_metier [title]``: my job and its skills; a title may follow the command."""
    caller = await identify(update, context)
    if caller is None or caller.actor is None:
        return
    typed = " ".join(context.args or [])
    await send(update, await job_entry(caller, context, typed))


COMMANDS = (
    Command.for_beneficiaries(
        "metiers", N_("Jobs to explore from your interests"), metiers_command
    ),
    Command.for_beneficiaries(
        "competences_metier", N_("Your job and the skills it carries"), competences_command
    ),
)
