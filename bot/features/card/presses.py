"""The counsellor's presses on their list and the cards: three tables, the data as it always was.

Callback grammar::

    ben:list  ben:list:<page>    the list (in a new message) / another page (in place)
    ben:find                     the next typed text is a name to look for
    c:<beneficiary>              their card, in place of the list
    ph:<beneficiary>:<phase>     move the phase? (in place)
    ph:<beneficiary>:<phase>:ok  yes: move it, and the card again

``c:`` and ``ph:`` carry no verb (:class:`VerblessPresses`).
Every id is re-checked by :mod:`storage.cards` against the counsellor who
pressed. A card or a move refused (another counsellor's person, a phase that
does not follow) is said in a new message under the pressed one, which stays
as it was; data that does not parse reads "This button is no longer active.".
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.features.card.lists import (
    ask_name_screen,
    list_screen,
    no_one_screen,
    people_of,
)
from bot.features.card.screens import confirm_phase_screen, open_card_screen
from bot.features.card.typed import FIND_FLOW
from bot.features.sessions.settings import session_settings
from bot.i18n import N_
from bot.kit.presses import Press, Presses, PressFunction, Reply, Shown, new_message
from bot.kit.refusals import STALE, is_refusal, say
from bot.kit.screens import Screen, Stale, count, number
from bot.runtime import wake_dispatcher, work
from storage.actors import AccessDenied, CounsellorActor
from storage.cards import open_card, set_phase
from storage.models import Phase
from storage.sessions import save_dialogue

log = logging.getLogger(__name__)

CARD_DENIED = N_("This card is not available to you.")
PHASE_DENIED = N_("This change is not possible.")


class VerblessPresses(Presses):
    """A table whose data, older than the kit, has no verb (``c:<id>``): its one press,
    registered as ``on("")``, reads every part after the prefix as its arguments."""

    def split(self, data: str) -> tuple[str, tuple[str, ...]]:
        return "", tuple(data.split(":")[1:])


LIST = Presses("ben", denied=STALE)
CARD = VerblessPresses("c", denied=CARD_DENIED)
PHASE = VerblessPresses("ph", denied=PHASE_DENIED)
PRESSES = (LIST, CARD, PHASE)


def _aloud(denied: str) -> Callable[[PressFunction], PressFunction]:
    """A refusal of storage said in a new message, as the card always did, not on the
    button: the list or the question pressed stays readable above it."""

    def wrap(function: PressFunction) -> PressFunction:
        async def said(press: Press) -> Shown:
            try:
                return await function(press)
            except Exception as error:
                if isinstance(error, Stale) or not is_refusal(error):
                    raise  # data that does not parse: the table says so on the button
                log.info("card press refused (%s)", type(error).__name__)
                return new_message(Screen(say(error, press._, denied)))

        return said

    return wrap


@LIST.strict("list", 0, 1, who=CounsellorActor)
async def beneficiaries(press: Press) -> Reply:
    """The list: a page in place of the other, or the list anew from a card."""
    actor = press.counsellor
    page = count(press.arg(0)) if press.args else 0
    async with work(press.context) as session:
        people, waiting = await people_of(session, actor)
    if not people:
        return new_message(no_one_screen(press._))
    screen = list_screen(people, page, press.caller.locale, press._, waiting)
    return Reply([screen], in_place=bool(press.args))


@LIST.strict("find", 0, who=CounsellorActor)
async def ask_search(press: Press) -> Reply:
    async with work(press.context) as session:
        await save_dialogue(session, press.counsellor, FIND_FLOW, "name")
    return new_message(ask_name_screen(press._))


async def _card(press: Press) -> Screen:
    actor = press.counsellor
    beneficiary_id = number(press.arg(0))
    budget = session_settings(press.context).budget_hours
    async with work(press.context) as session:
        return await open_card_screen(session, press.caller, actor, beneficiary_id, budget)


CARD.strict("", 1, who=CounsellorActor)(_aloud(CARD_DENIED)(_card))


async def _change_phase(press: Press) -> Screen:
    """Asked first (``ph:<id>:<phase>``), moved once confirmed (``…:ok``)."""
    actor = press.counsellor
    beneficiary_id, phase = number(press.arg(0)), Phase(press.arg(1))
    confirmed = press.args[2:] == ("ok",)
    if len(press.args) == 3 and not confirmed:
        raise Stale("unknown press")
    async with work(press.context) as session:
        if not confirmed:
            card = await open_card(session, actor, beneficiary_id)
            return confirm_phase_screen(card, phase, press._)
        try:
            await set_phase(session, actor, beneficiary_id, phase)
        except ValueError as error:  # the phases move one step at a time
            raise AccessDenied("no such move") from error
        budget = session_settings(press.context).budget_hours
        screen = await open_card_screen(session, press.caller, actor, beneficiary_id, budget)
    wake_dispatcher(press.context)
    log.info("counsellor %s moved beneficiary %s", actor.counsellor_id, beneficiary_id)
    return screen


PHASE.strict("", 2, 3, who=CounsellorActor)(_aloud(PHASE_DENIED)(_change_phase))
