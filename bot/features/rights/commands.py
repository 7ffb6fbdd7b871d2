"""``/mesdonnees`` (alias ``/mydata``): the entry screen of the person's rights.

Open to a person who withdrew their consent too (:mod:`bot.kit.caller` lets
these names through for strangers): the rights outlive the consent. Listed
for beneficiaries; a counsellor who types it is told whom it is for.
"""

from __future__ import annotations

from telegram import Update

from bot.features.rights.holder import rights_holder
from bot.features.rights.retention import policy_of
from bot.features.rights.screens import home_screen
from bot.i18n import N_
from bot.kit.commands import BENEFICIARY, Command
from bot.kit.screens import send
from bot.runtime import Context, work
from storage import rights

DATA_COMMANDS = ("mesdonnees", "mydata")
"""Open to a person who withdrew their consent too: the rights outlive it."""


async def data_command(update: Update, context: Context) -> None:
    """``/mesdonnees`` (``/mydata``): the entry screen; it also leaves an erasure half-way."""
    found = await rights_holder(update, context)
    if found is None:
        return
    caller, me = found
    async with work(context) as session:
        await rights.cancel(session, me)
        screen = await home_screen(session, me, caller._, caller.locale, policy_of(context))
    await send(update, screen)


COMMANDS = (
    Command(
        DATA_COMMANDS, N_("See, export or erase your data"), data_command, roles=(BENEFICIARY,)
    ),
)
