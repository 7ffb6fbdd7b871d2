"""One door for typed text: the flow the person's conversation names, else the menu.

A message that is not a command reaches exactly one handler: the one
registered for the flow of the caller's wait (:mod:`storage.conversation`),
found with the caller before any handler ran. Each :class:`Flow` says whom it
is for, what kind of message it takes and, when its wait lapses sooner than
the stored ``until``, how old the wait may be; the door checks these once and
hands the flow a :class:`Typed`: the message, who sent it and the wait it
answers, so no flow asks again. With no wait, or a wait whose flow does not
take this message, it gets the menu (``otherwise``). Features register their
flows once, when the application is assembled (:func:`bot.app.add_handlers`),
with the words that name what the person was doing, for the line that tells
them when starting something else set it aside.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import Flag, auto

from telegram import Document, Message, Update

from bot.i18n import Translate
from bot.runtime import Caller, Context, identify
from storage.actors import BeneficiaryActor, CounsellorActor, PersonActor
from storage.conversation import Wait
from storage.models import utcnow


class Takes(Flag):
    """The kinds of message a flow takes; any other kind gets the menu."""

    TEXT = auto()
    """A typed message that is not a command."""
    COMMANDS = auto()
    """Typed text that starts with "/": a command the bot does not have (its own have
    their handlers)."""
    FILES = auto()
    """A document."""
    OTHER = auto()
    """A photo, a sticker, a voice note: for a flow that says what it waits for instead."""
    ANYTHING = TEXT | COMMANDS | FILES | OTHER


def kind_of(message: Message) -> Takes:
    if message.text:
        return Takes.COMMANDS if message.text.startswith("/") else Takes.TEXT
    return Takes.FILES if message.document is not None else Takes.OTHER


@dataclass(frozen=True)
class Typed:
    """A message the door hands a flow: who sent it, what, and the wait it answers."""

    update: Update
    context: Context
    caller: Caller
    actor: PersonActor
    message: Message
    wait: Wait
    """The caller's wait, as read with the caller: of this flow, fresh, theirs."""

    @property
    def text(self) -> str:
        """What they typed; empty when the message carries no text (a file, a sticker)."""
        return self.message.text or ""

    @property
    def document(self) -> Document | None:
        return self.message.document

    @property
    def _(self) -> Translate:
        return self.caller._


TextHandler = Callable[[Typed], Awaitable[bool]]
"""Takes the message and says True, or says False when it is not for it after all."""

Who = tuple[type[BeneficiaryActor] | type[CounsellorActor], ...]
BENEFICIARIES: Who = (BeneficiaryActor,)
COUNSELLORS: Who = (CounsellorActor,)
EITHER: Who = (BeneficiaryActor, CounsellorActor)


Label = str | Callable[[Wait, Translate], str]
"""What the person was doing, for the line that says it was set aside: words (``N_``),
or a function of the wait when they depend on its step."""


@dataclass(frozen=True)
class Flow:
    """A flow that waits for typed text (or a file): its handler, its name for people,
    whom it is for, what it takes, and how long its wait may stand."""

    names: tuple[str, ...]
    handle: TextHandler
    label: Label
    who: Who
    takes: Takes = Takes.TEXT
    max_age: timedelta | None = None
    """A wait older than this (from its last step) takes nothing: the message gets the
    menu. ``None`` when the wait's own ``until`` is the limit."""

    def accepts(self, actor: PersonActor, message: Message, wait: Wait) -> bool:
        if not isinstance(actor, self.who) or not kind_of(message) & self.takes:
            return False
        if self.max_age is None:
            return True
        return wait.since is not None and utcnow() - wait.since <= self.max_age


def text_flow(
    *names: str, label: Label, who: Who, takes: Takes = Takes.TEXT, max_age: timedelta | None = None
) -> Callable[[TextHandler], Flow]:
    """Decorator: the handler below is the flow of ``names``, declared where it is written
    (a feature lists these flows in its ``Feature.flows``)."""

    def declare(handle: TextHandler) -> Flow:
        return Flow(names, handle, label, who, takes, max_age)

    return declare


_FLOWS: dict[str, Flow] = {}


def register(flow: Flow) -> None:
    for name in flow.names:
        existing = _FLOWS.get(name)
        if existing is not None and existing != flow:
            raise ValueError(f"flow {name!r} is registered twice")
        _FLOWS[name] = flow


def registered() -> dict[str, Flow]:
    return dict(_FLOWS)


def flow_label(wait: Wait, _: Translate) -> str | None:
    flow = _FLOWS.get(wait.flow)
    if flow is None:
        return None
    return _(flow.label) if isinstance(flow.label, str) else flow.label(wait, _)


def typed(update: Update, context: Context, caller: Caller) -> tuple[Flow, Typed] | None:
    """The flow this message is for and what it gets, or ``None`` (the menu).

    An edit is never an answer: ``update.message`` is ``None`` for it.
    """
    message, wait, actor = update.message, caller.wait, caller.actor
    if message is None or wait is None or actor is None:
        return None
    flow = _FLOWS.get(wait.flow)
    if flow is None or not flow.accepts(actor, message, wait):
        return None
    return flow, Typed(update, context, caller, actor, message, wait)


class Door:
    """The message handler: one lookup, one flow, else ``otherwise``."""

    def __init__(self, otherwise: Callable[[Update, Context], Awaitable[None]]) -> None:
        self.otherwise = otherwise

    async def __call__(self, update: Update, context: Context) -> None:
        caller = await identify(update, context)
        if caller is None or caller.actor is None:
            return
        found = typed(update, context, caller)
        if found is not None and await found[0].handle(found[1]):
            return
        await self.otherwise(update, context)
