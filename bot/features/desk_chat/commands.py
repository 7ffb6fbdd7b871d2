"""``/bureau``: the Mini App button, and a one-use sign-in link for a browser.

For active counsellors only. The link works once, for ten minutes, and
carries its token in the fragment so that no server log ever holds it.
"""

from __future__ import annotations

import logging

from bot.features.desk_chat.button import desk_button
from bot.i18n import N_
from bot.kit.commands import Asked, Command, counsellors, screen_command
from bot.kit.screens import Screen, e, page
from bot.runtime import settings
from storage.desk_logins import issue_login

log = logging.getLogger(__name__)


@screen_command(who=counsellors)
async def desk_command(asked: Asked) -> Screen:
    """``/bureau``: the Mini App button, and a one-use link for a browser."""
    _ = asked._
    config = settings(asked.context)
    address = config.desk_address
    if address is None:
        return Screen(_("The desk is not set up on this installation (DESK_PORT is empty)."))
    token = await issue_login(asked.session, asked.counsellor)
    log.info("desk: sign-in link issued to counsellor %s", asked.counsellor.counsellor_id)
    button = desk_button(config, _)
    return page(
        _(
            "Your desk: the caseload, each dossier and the actions, in a web page.\n\n"
            "To open it in a browser, use this link within 10 minutes (it works once):\n{link}"
        ).format(link=e(f"{address}/#login={token}")),
        [[button]] if button is not None else None,
    )


COMMANDS = (
    Command.for_counsellors(
        ("bureau", "desk"), N_("My desk: the caseload and each dossier in a web page"), desk_command
    ),
)
