"""Presses whose data is checked to the letter: so many arguments, each parsing.

The features that came before the kit read callback data strictly: a press
with one argument too many, or one that does not parse (a date, a mode), is an
old or forged button and reads "This button is no longer active.".
:func:`strictly` registers a press function on a :class:`Presses` table with
that rule, so the feature does not repeat it in every press.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.kit.presses import Press, Presses, PressFunction, Shown
from bot.kit.screens import Stale
from storage.actors import BeneficiaryActor, CounsellorActor

Role = type[BeneficiaryActor] | type[CounsellorActor]
EITHER: tuple[Role, ...] = (BeneficiaryActor, CounsellorActor)


def strictly(
    table: Presses, verb: str, who: Role | tuple[Role, ...], *arities: int
) -> Callable[[PressFunction], PressFunction]:
    """``prefix:verb`` with one of these numbers of arguments; data that does not parse is stale."""

    def register(function: PressFunction) -> PressFunction:
        async def checked(press: Press) -> Shown:
            if len(press.args) not in arities:
                raise Stale("arguments")
            try:
                return await function(press)
            except (IndexError, ValueError) as error:
                raise Stale("malformed data") from error

        table.on(verb, who=who)(checked)
        return function

    return register
