"""``/seance`` (alias ``/session``) and ``/seances`` (alias ``/sessions``).

``/seance`` is listed for counsellors (it starts scheduling); a beneficiary who
types it sees their sessions. ``/seances`` is listed for both roles, with the
words each reads.
"""

from __future__ import annotations

from telegram import Update

from bot.features.sessions.draft_screens import picker_screen
from bot.features.sessions.lists import coming_screen
from bot.features.sessions.settings import session_settings
from bot.i18n import N_
from bot.kit.commands import BENEFICIARY, COUNSELLOR, Command
from bot.kit.screens import Screen, send
from bot.runtime import Context, identify, work
from storage.actors import CounsellorActor


async def _coming(update: Update, context: Context, *, schedule: bool) -> None:
    caller = await identify(update, context)
    if caller is None or caller.actor is None:
        return
    actor = caller.actor
    async with work(context) as session:
        screen: Screen
        if schedule and isinstance(actor, CounsellorActor):
            screen = await picker_screen(session, caller, actor)
        else:
            budget = session_settings(context).budget_hours
            screen = await coming_screen(session, caller, actor, budget)
    await send(update, screen)


async def schedule_command(update: Update, context: Context) -> None:
    """``/seance``: a counsellor schedules; a beneficiary sees their sessions."""
    await _coming(update, context, schedule=True)


async def list_command(update: Update, context: Context) -> None:
    """``/seances``: coming sessions, in the caller's zone and language."""
    await _coming(update, context, schedule=False)


COMMANDS = (
    Command(
        ("seances", "sessions"),
        N_("Your sessions with your counsellor"),
        list_command,
        roles=(BENEFICIARY,),
    ),
    Command(("seance", "session"), N_("Schedule a session"), schedule_command, roles=(COUNSELLOR,)),
    Command(
        ("seances", "sessions"),
        N_("Coming sessions and confirmations"),
        list_command,
        roles=(COUNSELLOR,),
    ),
)
