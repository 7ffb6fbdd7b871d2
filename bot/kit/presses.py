"""A feature's buttons as one table: ``prefix:verb:arg…`` → the function that answers it.

Callback data is untrusted input (an old message, a forged press), so one
place parses it, checks who may press it, answers the press, and turns what
storage refuses into words. A feature writes::

    presses = Presses("j", denied=N_("This journal is not available to you."))

    @presses.on("v", who=BeneficiaryActor)
    async def open_entry(press: Press) -> Screen:
        entry_id = number(press.arg(0))
        ...

and registers ``presses.handler()``. A press function returns what to show:
a :class:`~bot.kit.screens.Screen`, several, a :class:`Reply` (to send
instead of editing, or with a toast), or ``None`` when it said everything
itself. Each press's data carries its own flow; no press reads another
feature's state.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from telegram import CallbackQuery, Update
from telegram.ext import CallbackQueryHandler

from bot.i18n import Translate
from bot.kit.refusals import DENIED, is_refusal, say
from bot.kit.screens import Screen, Stale, show
from bot.runtime import Caller, Context, identify
from storage.actors import BeneficiaryActor, CounsellorActor, PersonActor

log = logging.getLogger(__name__)

MAX_DATA = 64
"""Telegram's limit on callback data, in bytes."""


@dataclass(frozen=True)
class Reply:
    """What a press shows, when it is not simply "this screen in place of the pressed one"."""

    screens: Sequence[Screen] = ()
    in_place: bool = True
    toast: str | None = None
    alert: bool = False


Shown = Screen | Sequence[Screen] | Reply | None


@dataclass
class Press:
    """One press: who pressed, what the data said after the verb, and the update itself."""

    update: Update
    context: Context
    query: CallbackQuery
    caller: Caller
    actor: PersonActor
    args: tuple[str, ...]
    answered: bool = field(default=False)

    @property
    def _(self) -> Translate:
        return self.caller._

    def arg(self, index: int) -> str:
        """The ``index``-th argument after the verb, or :class:`Stale` if the data is short."""
        if index >= len(self.args):
            raise Stale("missing argument")
        return self.args[index]

    async def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        """Answer the press now (a press is answered once; the table answers it otherwise)."""
        if not self.answered:
            self.answered = True
            await self.query.answer(text, show_alert=alert)


PressFunction = Callable[[Press], Awaitable[Shown]]


@dataclass(frozen=True)
class _Route:
    function: PressFunction
    who: tuple[type[BeneficiaryActor] | type[CounsellorActor], ...]


class Presses:
    """The presses of one feature, all under ``prefix:``."""

    def __init__(self, prefix: str, *, denied: str = DENIED, verbless: bool = False) -> None:
        if ":" in prefix:
            raise ValueError("the prefix is given without its colon")
        self.prefix = prefix
        self.denied = denied
        self.verbless = verbless
        """Data with no verb (``c:<id>``, kept from before the kit): the table's one press,
        registered as ``on("")``, reads every part after the prefix as its arguments."""
        self._routes: dict[str, _Route] = {}

    @property
    def pattern(self) -> str:
        return f"^{re.escape(self.prefix)}:"

    def data(self, verb: str, *args: object) -> str:
        """The callback data of a press; raises if it would not fit in Telegram's 64 bytes."""
        head = (self.prefix,) if self.verbless else (self.prefix, verb)
        data = ":".join((*head, *(str(a) for a in args)))
        if len(data.encode()) > MAX_DATA:
            raise ValueError("callback data over 64 bytes")
        return data

    def on(
        self,
        verb: str,
        *,
        who: type[BeneficiaryActor]
        | type[CounsellorActor]
        | tuple[type[BeneficiaryActor] | type[CounsellorActor], ...] = (
            BeneficiaryActor,
            CounsellorActor,
        ),
    ) -> Callable[[PressFunction], PressFunction]:
        """Decorator: ``function`` answers ``prefix:verb:…`` pressed by one of ``who``."""
        roles = who if isinstance(who, tuple) else (who,)

        def register(function: PressFunction) -> PressFunction:
            if self.verbless and verb:
                raise ValueError(f"press table {self.prefix} has no verbs")
            if verb in self._routes:
                raise ValueError(f"press {self.prefix}:{verb} is registered twice")
            self._routes[verb] = _Route(function, roles)
            return function

        return register

    def _split(self, data: str) -> tuple[str, list[str]]:
        """The verb and the arguments of the data (the prefix dropped)."""
        parts = data.split(":")[1:]
        if self.verbless:
            return "", parts
        verb, *args = parts or [""]
        return verb, args

    def handler(self) -> CallbackQueryHandler[Context, None]:
        return CallbackQueryHandler(self, pattern=self.pattern)

    async def __call__(self, update: Update, context: Context) -> None:
        query = update.callback_query
        caller = await identify(update, context)
        if query is None or query.data is None or caller is None:
            return
        verb, args = self._split(query.data)
        route = self._routes.get(verb)
        actor = caller.actor
        if route is None or actor is None or not isinstance(actor, route.who):
            await query.answer(say(Stale(), caller._))
            return
        press = Press(update, context, query, caller, actor, tuple(args))
        try:
            shown = await route.function(press)
        except Exception as error:
            if not is_refusal(error):
                raise
            log.info("press %s:%s refused (%s)", self.prefix, verb, type(error).__name__)
            await press.answer(say(error, caller._, self.denied))
            return
        await _show(press, shown)


async def _show(press: Press, shown: Shown) -> None:
    if isinstance(shown, Reply):
        await press.answer(shown.toast, alert=shown.alert)
        await show(press.update, shown.screens, in_place=shown.in_place)
        return
    await press.answer()
    if shown is not None:
        await show(press.update, shown)
