"""``/beneficiaires [name]`` and ``/invite First Last``: the counsellor's two commands.

Listed for counsellors only, ``/beneficiaires`` first. A beneficiary who types
one is told it is for counsellors.
"""

from __future__ import annotations

import logging

from bot.features.card.lists import found_screen, list_screen, no_one_screen, people_of
from bot.i18n import N_, format_date_long
from bot.kit.commands import Asked, Command, counsellors, screen_command
from bot.kit.screens import Screen, e
from storage.people import create_invitation

log = logging.getLogger(__name__)

MAX_NAME_LENGTH = 120


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


@screen_command(who=counsellors)
async def beneficiaries_command(asked: Asked) -> Screen:
    """``/beneficiaires``: the list; ``/beneficiaires léa``: those whose name holds "léa"."""
    caller = asked.caller
    people = await people_of(asked.session, asked.counsellor)
    everyone, waiting = people
    if not everyone:
        return no_one_screen(caller._)
    if asked.typed:
        return found_screen(people, asked.typed, caller.locale, caller._)
    return list_screen(everyone, 0, caller.locale, caller._, waiting)


@screen_command(who=counsellors)
async def invite_command(asked: Asked) -> Screen:
    """``/invite First Last``: an invitation link for the person, valid once."""
    _, actor, name = asked._, asked.counsellor, asked.typed
    if not name:
        return Screen(
            _("Give the person's name after the command, for example:\n/invite Paul Durand")
        )
    if len(name) > MAX_NAME_LENGTH:
        return Screen(
            _("That name is too long ({max} characters at most).").format(max=MAX_NAME_LENGTH)
        )
    issued = await create_invitation(asked.session, actor, name)
    log.info("counsellor %s invited beneficiary %s", actor.counsellor_id, issued.beneficiary_id)
    link = deep_link(asked.context.bot.username, issued.token)
    expiry = format_date_long(issued.expires_at, asked.caller.locale, actor.timezone)
    text = _(
        "Invitation for <b>{name}</b> created.\n\n"
        "Send this link to the person (it works once, until {expiry}):\n{link}"
    ).format(name=e(name), expiry=expiry, link=link)
    return Screen(text, preview=False)


COMMANDS = (
    Command.for_counsellors("beneficiaires", N_("Your beneficiaries"), beneficiaries_command),
    Command.for_counsellors(
        "invite", N_("Invite a beneficiary: /invite First Last"), invite_command
    ),
)
