"""``/mesdonnees`` (alias ``/mydata``): the entry screen of the person's rights.

Open to a person who withdrew their consent too (the feature is
``open_to_withdrawn``, so :mod:`bot.kit.caller` lets it through for
strangers): the rights outlive the consent. Listed
for beneficiaries; a counsellor who types it is told whom it is for.
"""

from __future__ import annotations

from bot.features.rights.holder import rights_holder
from bot.features.rights.retention import policy_of
from bot.features.rights.screens import home_screen
from bot.i18n import N_
from bot.kit.commands import Asked, Command, screen_command
from bot.kit.screens import Screen
from storage import rights

DATA_COMMANDS = ("mesdonnees", "mydata")
"""Open to a person who withdrew their consent too: the rights outlive it."""


@screen_command(who=rights_holder)
async def data_command(asked: Asked) -> Screen:
    """``/mesdonnees`` (``/mydata``): the entry screen; it also leaves an erasure half-way."""
    me = asked.beneficiary
    await rights.cancel(asked.session, me)
    return await home_screen(
        asked.session, me, asked._, asked.caller.locale, policy_of(asked.context)
    )


COMMANDS = (
    Command.for_beneficiaries(DATA_COMMANDS, N_("See, export or erase your data"), data_command),
)
