"""One list of commands per role: it makes the handlers, ``setMyCommands`` and ``/aide``.

A feature declares its commands once (:class:`Command`): the names it answers
to (the French one first, then the English alias), a short description, and
who it is for. The application registers their handlers, sends each role's
list to Telegram, and builds the help from the same list, so a command cannot
be in the menu and missing from the help, or the other way round.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import CommandHandler

from bot.i18n import Translate
from bot.runtime import Context
from storage.actors import CounsellorActor, PersonActor

BENEFICIARY = "beneficiary"
COUNSELLOR = "counsellor"
ROLES = (BENEFICIARY, COUNSELLOR)
LISTS_KEY = "command_lists"
"""Where ``bot_data`` keeps each role's list (:data:`Lists`), for ``/aide`` to read."""

Callback = Callable[[Update, Context], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Command:
    """A command: names (shown first), description (``N_``), callback, and roles."""

    names: tuple[str, ...]
    description: str
    callback: Callback
    roles: tuple[str, ...] = ROLES
    listed: bool = True
    """False for commands that work but are not offered (``/start``, aliases only)."""

    @property
    def name(self) -> str:
        return self.names[0]


def handlers(commands: Iterable[Command]) -> list[CommandHandler[Context, None]]:
    """One handler per command, all names included; a name claimed twice is an error."""
    seen: dict[str, Command] = {}
    made: list[CommandHandler[Context, None]] = []
    for command in commands:
        for name in command.names:
            other = seen.get(name)
            if other is not None and other.callback is not command.callback:
                raise ValueError(f"/{name} is declared twice")
            seen[name] = command
        made.append(CommandHandler(list(command.names), command.callback))
    return made


def for_role(commands: Iterable[Command], role: str) -> list[Command]:
    """The role's listed commands, in declaration order, each name once."""
    shown: dict[str, Command] = {}
    for command in commands:
        if command.listed and role in command.roles and command.name not in shown:
            shown[command.name] = command
    return list(shown.values())


def bot_commands(commands: Iterable[Command], role: str, _: Translate) -> list[BotCommand]:
    """What ``setMyCommands`` gets for this role, in this language."""
    return [BotCommand(c.name, _(c.description)) for c in for_role(commands, role)]


def help_lines(commands: Iterable[Command], role: str, _: Translate) -> str:
    """``/name — description``, one line per command of the role."""
    return "\n".join(f"/{c.name} — {_(c.description)}" for c in for_role(commands, role))


Lists = Mapping[str, Sequence[Command]]
"""Each role's commands, in the order its menu and its ``/aide`` show them."""


def role_of(actor: PersonActor) -> str:
    return COUNSELLOR if isinstance(actor, CounsellorActor) else BENEFICIARY


def pairs(role: str, listed: Iterable[tuple[str, str]], *callbacks: Callback) -> list[Command]:
    """A handler module's ``COMMANDS`` pairs ``(name, N_(description))`` as commands of a role.

    For modules not yet made into a feature: the callbacks, one per pair and in
    the same order, are those the application registers for these names.
    """
    return [
        Command((name,), description, callback, roles=(role,))
        for (name, description), callback in zip(listed, callbacks, strict=True)
    ]


def lists(context: Context) -> Lists:
    """The lists the application made when it added its handlers (``bot.app``)."""
    made: Lists = context.bot_data[LISTS_KEY]
    return made
