"""Ending what the person was asked to type: a press ("no note", "cancel"), or a draft gone stale.

A step that waits for typed text offers a button to go without it. The
button forgets the wait (only one of the feature's own flows: another
feature's wait stays) and says one sentence, in place of the question or
under it. :func:`stop_press` registers that press, so a feature names only
its verb, its flows and its sentence. :func:`draft_step` is the same ending
for a counsellor's typed step whose draft no longer stands.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_
from bot.kit.presses import Press, Presses, Reply, new_message
from bot.kit.screens import Screen, Stale, page
from bot.kit.strict import Role
from bot.runtime import Caller, work
from storage.actors import AccessDenied, CounsellorActor
from storage.sessions import end_dialogue

ABANDONED = N_("Abandoned: nothing was changed.")
"""What a counsellor reads on cancelling a draft: nothing of it was stored."""
DRAFT_GONE = N_("That dialogue is no longer current. Start again with {command}.")


def stop_press(
    table: Presses,
    verb: str,
    *,
    who: Role,
    flows: Sequence[str],
    words: str,
    under: bool = False,
) -> None:
    """``verb`` (no argument) ends the wait in ``flows`` and says ``words`` (``N_``): in
    place of the pressed message, or ``under`` it."""

    async def stop(press: Press) -> Screen | Reply:
        async with work(press.context) as session:
            await end_dialogue(session, press.actor, flows=list(flows))
        screen = page(press._(words))
        return new_message(screen) if under else screen

    stop.__doc__ = f"``{table.prefix}:{verb}``: {words}"
    table.strict(verb, 0, who=who)(stop)


async def draft_step(
    session: AsyncSession,
    caller: Caller,
    actor: CounsellorActor,
    command: str,
    step: Awaitable[Screen],
) -> Screen:
    """The screen of a counsellor's typed step (``step``, awaited here); when its draft no
    longer stands (the person left the caseload, the session or task moved on), the draft
    ends and they read where to start again (``command``, e.g. ``/seance``)."""
    try:
        return await step
    except (Stale, AccessDenied, ValueError):
        await end_dialogue(session, actor)
        return page(caller._(DRAFT_GONE).format(command=command))
