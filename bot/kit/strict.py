"""Presses whose data is checked to the letter: so many arguments, each parsing.

The features that came before the kit read callback data strictly: a press
with one argument too many, or one that does not parse (a date, a mode), is an
old or forged button and reads "This button is no longer active.".
:meth:`~bot.kit.presses.Presses.strict` registers a press function with that
rule (:func:`checked`), so the feature does not repeat it in every press.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.kit.screens import Stale
from storage.actors import BeneficiaryActor, CounsellorActor

if TYPE_CHECKING:  # the press table imports this module
    from bot.kit.presses import Press, PressFunction, Shown

Role = type[BeneficiaryActor] | type[CounsellorActor]
EITHER: tuple[Role, ...] = (BeneficiaryActor, CounsellorActor)


def checked(function: PressFunction, arities: tuple[int, ...]) -> PressFunction:
    """``function`` for data with one of these numbers of arguments; data that does not
    parse (``IndexError``, ``ValueError`` of a date, a mode) is stale."""

    async def strict(press: Press) -> Shown:
        if len(press.args) not in arities:
            raise Stale("arguments")
        try:
            return await function(press)
        except (IndexError, ValueError) as error:
            raise Stale("malformed data") from error

    strict.__doc__ = function.__doc__
    return strict
