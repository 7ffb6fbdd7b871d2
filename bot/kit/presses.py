"""A feature's buttons as one table: ``prefix:verb:arg…`` → the function that answers it.

Callback data is untrusted input (an old message, a forged press), so one
place parses it, checks who may press it, answers the press, and turns what
storage refuses into words. A feature writes::

    PRESSES = Presses("j", denied=N_("This journal is not available to you."))

    @PRESSES.on("v", who=BeneficiaryActor)
    async def open_entry(press: Press) -> Screen:
        entry_id = number(press.arg(0))
        ...

    @PRESSES.strict("s", 2, who=BeneficiaryActor)   # exactly two arguments, each parsing
    async def share(press: Press) -> Reply:
        ...
        return new_message(screen, toast=press._("Shared."))

and registers ``PRESSES.handler()``. A press function returns what to show:
a :class:`~bot.kit.screens.Screen`, several, a :class:`Reply` (to send
instead of editing, or with a toast; :func:`new_message` for the usual "say
it under the pressed message"), or ``None`` when it said everything itself.
Each press's data carries its own flow; no press reads another feature's
state. A table says once what its functions' own errors mean (``means``: a
``ValueError`` of storage's rules is :class:`~bot.kit.refusals.NotPossible`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from telegram import CallbackQuery, Update
from telegram.ext import CallbackQueryHandler

from bot.kit.refusals import DENIED, is_refusal, say
from bot.kit.roles import Acting
from bot.kit.screens import Screen, Stale, show
from bot.kit.strict import EITHER, Role, checked
from bot.runtime import Caller, Context, identify
from storage.actors import PersonActor

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


def new_message(*screens: Screen, toast: str | None = None) -> Reply:
    """Say it in a new message (several, for several screens), under the one pressed: the
    pressed message stays as it was, to be read above."""
    return Reply(screens, in_place=False, toast=toast)


@dataclass
class Press(Acting):
    """One press: who pressed (``press.counsellor`` for a counsellor's press), its verb and
    what the data said after it, and the update."""

    update: Update
    context: Context
    query: CallbackQuery
    caller: Caller
    actor: PersonActor
    args: tuple[str, ...]
    verb: str = ""
    answered: bool = field(default=False)

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
WhoPressed = Callable[[Update, Context, Caller], Awaitable[tuple[Caller, PersonActor] | None]]
"""Who may press, for a table open beyond the caller's actor (the rights of a person who
withdrew consent): the caller and actor the presses run as, or ``None`` once it has
answered the press itself."""


@dataclass(frozen=True)
class _Route:
    function: PressFunction
    who: tuple[Role, ...]


Means = Mapping[type[Exception], Callable[[], Exception]]
"""What a press function's own errors mean for the person: ``{ValueError: NotPossible}``
(storage's rules say no now), ``{KeyError: Stale}`` (an id no longer known)."""


class Presses:
    """The presses of one feature, all under ``prefix:``."""

    def __init__(
        self,
        prefix: str,
        *,
        denied: str = DENIED,
        who_pressed: WhoPressed | None = None,
        means: Means | None = None,
    ) -> None:
        if ":" in prefix:
            raise ValueError("the prefix is given without its colon")
        self.prefix = prefix
        self.denied = denied
        self.who_pressed = who_pressed
        self.means: Means = means or {}
        self._routes: dict[str, _Route] = {}

    @property
    def pattern(self) -> str:
        return f"^{re.escape(self.prefix)}:"

    def data(self, verb: str, *args: object) -> str:
        """The callback data of a press; raises if it would not fit in Telegram's 64 bytes."""
        data = ":".join((self.prefix, verb, *(str(a) for a in args)))
        if len(data.encode()) > MAX_DATA:
            raise ValueError("callback data over 64 bytes")
        return data

    def on(
        self,
        *verbs: str,
        who: Role | tuple[Role, ...] = EITHER,
    ) -> Callable[[PressFunction], PressFunction]:
        """Decorator: ``function`` answers ``prefix:verb:…`` for each of ``verbs``, pressed by
        one of ``who``; several verbs that differ only by a word share one function, which
        reads which it was in ``press.verb``."""
        if not verbs:
            raise ValueError("a press needs a verb")
        roles = who if isinstance(who, tuple) else (who,)

        def register(function: PressFunction) -> PressFunction:
            for verb in verbs:
                if verb in self._routes:
                    raise ValueError(f"press {self.prefix}:{verb} is registered twice")
                self._routes[verb] = _Route(function, roles)
            return function

        return register

    def strict(
        self, verb: str, *arities: int, who: Role | tuple[Role, ...] = EITHER
    ) -> Callable[[PressFunction], PressFunction]:
        """Decorator: :meth:`on`, with the data checked to the letter
        (:func:`~bot.kit.strict.checked`): one of these numbers of arguments, each parsing."""
        if not arities:
            raise ValueError("a strict press says how many arguments it takes")

        def register(function: PressFunction) -> PressFunction:
            self.on(verb, who=who)(checked(function, arities))
            return function

        return register

    def handler(self) -> CallbackQueryHandler[Context, None]:
        return CallbackQueryHandler(self, pattern=self.pattern)

    def split(self, data: str) -> tuple[str, tuple[str, ...]]:
        """The verb and the arguments of ``prefix:verb:arg…``; a table whose older buttons
        put an argument first (``sy:<id>:<verb>``) reads them here."""
        verb, *args = data.split(":")[1:] or [""]
        return verb, tuple(args)

    async def __call__(self, update: Update, context: Context) -> None:
        query = update.callback_query
        caller = await identify(update, context)
        if query is None or query.data is None or caller is None:
            return
        actor = caller.actor
        if self.who_pressed is not None:
            found = await self.who_pressed(update, context, caller)
            if found is None:
                return
            caller, actor = found
        verb, args = self.split(query.data)
        route = self._routes.get(verb)
        if route is None or actor is None or not isinstance(actor, route.who):
            await query.answer(say(Stale(), caller._))
            return
        press = Press(update, context, query, caller, actor, args, verb)
        try:
            shown = await route.function(press)
        except Exception as raised:
            error = self._meaning(raised)
            if not is_refusal(error):
                raise
            log.info("press %s:%s refused (%s)", self.prefix, verb, type(error).__name__)
            await press.answer(say(error, caller._, self.denied))
            return
        await _show(press, shown)

    def _meaning(self, error: Exception) -> Exception:
        for kind, meant in self.means.items():
            if isinstance(error, kind):
                return meant()
        return error


async def _show(press: Press, shown: Shown) -> None:
    if isinstance(shown, Reply):
        await press.answer(shown.toast, alert=shown.alert)
        await show(press.update, shown.screens, in_place=shown.in_place)
        return
    await press.answer()
    if shown is not None:
        await show(press.update, shown)
