"""What a feature exports, so that the application only assembles features.

A feature is one folder of ``bot/features``; its ``__init__`` exposes one
:class:`Feature`: its commands (which make the handlers, ``setMyCommands`` and
``/aide``), its press tables, the flows that wait for its typed text, and any
other handler it needs. :func:`bot.app.add_handlers` registers them, and keeps
the assembled features in ``bot_data`` (:func:`assembled`) for what asks them
at update time: the caller's gate (which commands and presses stay open to a
person who withdrew consent) and the menu's answer to a file nobody waits for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from telegram.ext import BaseHandler

from bot.i18n import Translate
from bot.kit.commands import Command, handlers
from bot.kit.door import Flow
from bot.kit.presses import Presses
from bot.runtime import Context
from storage.actors import PersonActor

FEATURES_KEY = "features"
"""Where ``bot_data`` keeps the assembled features (:func:`assembled`)."""

StrayFile = Callable[[PersonActor, Translate], str | None]
"""What a person who sends a file no flow waits for is told, or ``None`` (not this feature's)."""


@dataclass(frozen=True)
class Feature:
    name: str
    commands: tuple[Command, ...] = ()
    presses: tuple[Presses, ...] = ()
    flows: tuple[Flow, ...] = ()
    handlers: tuple[BaseHandler[Any, Any, Any], ...] = ()
    """Handlers that are neither a command nor a press table (a pattern of their own)."""
    open_to_withdrawn: bool = False
    """Its commands and presses stay open to a person who withdrew consent (their rights
    outlive it): the caller's gate lets them through, and they check who may use them."""
    stray_file: StrayFile | None = None
    """What a file no flow waits for gets instead of the menu, when it is this feature's
    kind of file (an edited synthesis from a counsellor)."""

    def all_handlers(self) -> list[BaseHandler[Any, Any, Any]]:
        return [
            *handlers(self.commands),
            *(table.handler() for table in self.presses),
            *self.handlers,
        ]


def assembled(context: Context) -> tuple[Feature, ...]:
    """The features the application was assembled from (``bot.app.add_handlers``)."""
    features: tuple[Feature, ...] = context.bot_data.get(FEATURES_KEY, ())
    return features


def open_to_withdrawn(features: Iterable[Feature]) -> tuple[frozenset[str], tuple[str, ...]]:
    """The command names and press prefixes (with their colon) open to a person who
    withdrew consent."""
    open_ = [f for f in features if f.open_to_withdrawn]
    names = frozenset(name for f in open_ for command in f.commands for name in command.names)
    return names, tuple(f"{table.prefix}:" for f in open_ for table in f.presses)


def stray_file_text(features: Iterable[Feature], actor: PersonActor, _: Translate) -> str | None:
    """What the first feature that claims it tells a person about a file nobody waits for."""
    for feature in features:
        text = feature.stray_file(actor, _) if feature.stray_file is not None else None
        if text is not None:
            return text
    return None
