"""One door for typed text: the flow the person's conversation names, else the menu.

A message that is not a command reaches exactly one handler: the one
registered for the flow of the caller's wait (:mod:`storage.conversation`),
found with the caller before any handler ran. With no wait, or a wait whose
flow does not take this message, it gets the menu (``otherwise``). Features
register their flows once, when the application is assembled
(:func:`bot.app.add_handlers`), with the words that name what the person was
doing, for the line that tells them when starting something else set it aside.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Update

from bot.i18n import Translate
from bot.runtime import Context, identify
from storage.conversation import Wait

TextHandler = Callable[[Update, Context], Awaitable[bool]]
"""Takes the message and says True, or says False when it is not for it after all."""


@dataclass(frozen=True)
class Flow:
    """A flow that waits for typed text (or a file): its handler and its name for people."""

    names: tuple[str, ...]
    handle: TextHandler
    label: Callable[[Wait, Translate], str]


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
    return flow.label(wait, _) if flow is not None else None


class Door:
    """The message handler: one lookup, one flow, else ``otherwise``."""

    def __init__(self, otherwise: Callable[[Update, Context], Awaitable[None]]) -> None:
        self.otherwise = otherwise

    async def __call__(self, update: Update, context: Context) -> None:
        caller = await identify(update, context)
        if caller is None or caller.actor is None:
            return
        flow = _FLOWS.get(caller.wait.flow) if caller.wait is not None else None
        if flow is not None and await flow.handle(update, context):
            return
        await self.otherwise(update, context)
