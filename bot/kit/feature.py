"""What a feature exports, so that the application only assembles features.

A feature is one folder of ``bot/features``; its ``__init__`` exposes one
:class:`Feature`: its commands (which make the handlers, ``setMyCommands`` and
``/aide``), its press tables, the flows that wait for its typed text, and any
other handler it needs. :func:`bot.app.add_handlers` registers them in the
order of ``bot.app.FEATURES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram.ext import BaseHandler

from bot.kit.commands import Command, handlers
from bot.kit.door import Flow
from bot.kit.presses import Presses


@dataclass(frozen=True)
class Feature:
    name: str
    commands: tuple[Command, ...] = ()
    presses: tuple[Presses, ...] = ()
    flows: tuple[Flow, ...] = ()
    handlers: tuple[BaseHandler[Any, Any, Any], ...] = ()
    """Handlers that are neither a command nor a press table (a pattern of their own)."""

    def all_handlers(self) -> list[BaseHandler[Any, Any, Any]]:
        return [
            *handlers(self.commands),
            *(table.handler() for table in self.presses),
            *self.handlers,
        ]
