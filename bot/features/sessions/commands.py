"""``/seance`` (alias ``/session``) and ``/seances`` (alias ``/sessions``).

``/seance`` is listed for counsellors (it starts scheduling); a beneficiary who
types it sees their sessions. ``/seances`` is listed for both roles, with the
words each reads.
"""

from __future__ import annotations

from bot.features.sessions.draft_screens import picker_screen
from bot.features.sessions.lists import coming_screen
from bot.features.sessions.settings import session_settings
from bot.i18n import N_
from bot.kit.commands import Asked, Command, by_role, of_caller, screen_command
from bot.kit.screens import Screen


async def _coming(asked: Asked) -> Screen:
    """``/seances``: coming sessions, in the caller's zone and language."""
    budget = session_settings(asked.context).budget_hours
    return await coming_screen(asked.session, asked.caller, asked.actor, budget)


list_command = screen_command()(_coming)
schedule_command = screen_command()(
    by_role(beneficiary=_coming, counsellor=of_caller(picker_screen))
)
"""``/seance``: a counsellor schedules; a beneficiary sees their sessions."""

COMMANDS = (
    Command.for_beneficiaries(
        ("seances", "sessions"), N_("Your sessions with your counsellor"), list_command
    ),
    Command.for_counsellors(("seance", "session"), N_("Schedule a session"), schedule_command),
    Command.for_counsellors(
        ("seances", "sessions"), N_("Coming sessions and confirmations"), list_command
    ),
)
