"""A press that ends what the person was asked to type: "no note", "no reason to give", "cancel".

A step that waits for typed text offers a button to go without it. The
button forgets the wait (only one of the feature's own flows: another
feature's wait stays) and says one sentence, in place of the question or
under it. :func:`stop_press` registers that press, so a feature names only
its verb, its flows and its sentence.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import N_
from bot.kit.presses import Press, Presses, Reply, new_message
from bot.kit.screens import Screen, page
from bot.kit.strict import Role
from bot.runtime import work
from storage.sessions import end_dialogue

ABANDONED = N_("Abandoned: nothing was changed.")
"""What a counsellor reads on cancelling a draft: nothing of it was stored."""


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
