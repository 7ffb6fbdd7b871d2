"""``/beneficiaires [name]`` and ``/invite First Last``: the counsellor's two commands.

Listed for counsellors only, ``/beneficiaires`` first. A beneficiary who types
one is told it is for counsellors.
"""

from __future__ import annotations

import logging

from telegram import Update

from bot.features.card.gate import FOR_COUNSELLORS
from bot.features.card.lists import found_screen, list_screen, no_one_screen, people_of
from bot.i18n import N_, format_date_long
from bot.kit.commands import COUNSELLOR, Command
from bot.kit.roles import as_counsellor
from bot.kit.screens import Screen, Stale, e, send
from bot.runtime import Caller, Context, identify, work
from storage.actors import CounsellorActor
from storage.people import create_invitation

log = logging.getLogger(__name__)

MAX_NAME_LENGTH = 120


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


async def _counsellor(update: Update, context: Context) -> tuple[Caller, CounsellorActor] | None:
    """The caller, if a counsellor; a beneficiary is told the command is not theirs."""
    caller = await identify(update, context)
    if caller is None or caller.actor is None:
        return None  # strangers were answered before any handler (bot.kit.caller)
    try:
        return caller, as_counsellor(caller)
    except Stale:
        await send(update, Screen(caller._(FOR_COUNSELLORS)))
        return None


async def beneficiaries_command(update: Update, context: Context) -> None:
    """``/beneficiaires``: the list; ``/beneficiaires léa``: those whose name holds "léa"."""
    found = await _counsellor(update, context)
    if found is None:
        return
    caller, actor = found
    async with work(context) as session:
        people = await people_of(session, actor)
    everyone, waiting = people
    typed = " ".join(context.args or []).strip()
    if not everyone:
        screen = no_one_screen(caller._)
    elif typed:
        screen = found_screen(people, typed, caller.locale, caller._)
    else:
        screen = list_screen(everyone, 0, caller.locale, caller._, waiting)
    await send(update, screen)


async def invite_command(update: Update, context: Context) -> None:
    """``/invite First Last``: an invitation link for the person, valid once."""
    found = await _counsellor(update, context)
    if found is None:
        return
    caller, actor = found
    _ = caller._
    name = " ".join(context.args or []).strip()
    if not name:
        text = _("Give the person's name after the command, for example:\n/invite Paul Durand")
        await send(update, Screen(text))
        return
    if len(name) > MAX_NAME_LENGTH:
        text = _("That name is too long ({max} characters at most).").format(max=MAX_NAME_LENGTH)
        await send(update, Screen(text))
        return
    async with work(context) as session:
        issued = await create_invitation(session, actor, name)
    log.info("counsellor %s invited beneficiary %s", actor.counsellor_id, issued.beneficiary_id)
    link = deep_link(context.bot.username, issued.token)
    expiry = format_date_long(issued.expires_at, caller.locale, actor.timezone)
    text = _(
        "Invitation for <b>{name}</b> created.\n\n"
        "Send this link to the person (it works once, until {expiry}):\n{link}"
    ).format(name=e(name), expiry=expiry, link=link)
    await send(update, Screen(text, preview=False))


COMMANDS = (
    Command(
        ("beneficiaires",), N_("Your beneficiaries"), beneficiaries_command, roles=(COUNSELLOR,)
    ),
    Command(
        ("invite",),
        N_("Invite a beneficiary: /invite First Last"),
        invite_command,
        roles=(COUNSELLOR,),
    ),
)
