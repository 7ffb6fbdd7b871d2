"""One list of commands per role: it makes the handlers, ``setMyCommands`` and ``/aide``.

A feature declares its commands once (:class:`Command`): the names it answers
to (the French one first, then the English alias), a short description, and
who it is for. The application registers their handlers, sends each role's
list to Telegram, and builds the help from the same list, so a command cannot
be in the menu and missing from the help, or the other way round.

Most commands answer with one screen: :func:`screen_command` makes their
callback from a function of :class:`Asked` (who typed it, in the update's
unit of work), so a feature writes only what it shows::

    @screen_command(who=only(BeneficiaryActor, N_("Open their card: /beneficiaires.")))
    async def plan_command(asked: Asked) -> Screen:
        return await screen_for(asked.session, asked.beneficiary, ...)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import BotCommand, Update
from telegram.ext import CommandHandler

from bot.i18n import N_, Translate
from bot.kit.roles import Acting
from bot.kit.screens import Screen, send
from bot.runtime import Caller, Context, identify, work
from storage.actors import BeneficiaryActor, CounsellorActor, PersonActor

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

    @classmethod
    def for_beneficiaries(
        cls, names: str | tuple[str, ...], description: str, callback: Callback
    ) -> Command:
        """A command listed for beneficiaries (a counsellor who types it is answered by its
        callback, most often with where their own screen for it is)."""
        return cls(_names(names), description, callback, roles=(BENEFICIARY,))

    @classmethod
    def for_counsellors(
        cls, names: str | tuple[str, ...], description: str, callback: Callback
    ) -> Command:
        """A command listed for counsellors."""
        return cls(_names(names), description, callback, roles=(COUNSELLOR,))


def _names(names: str | tuple[str, ...]) -> tuple[str, ...]:
    return (names,) if isinstance(names, str) else names


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


def lists(context: Context) -> Lists:
    """The lists the application made when it added its handlers (``bot.app``)."""
    made: Lists = context.bot_data[LISTS_KEY]
    return made


Who = Callable[[Update, Context], Awaitable[tuple[Caller, PersonActor] | None]]
"""Who may type a command: the caller and the actor it runs as, or ``None`` once the
person was answered (or, a stranger, was answered before any handler)."""


async def anyone(update: Update, context: Context) -> tuple[Caller, PersonActor] | None:
    """A beneficiary or a counsellor (strangers were answered by :mod:`bot.kit.caller`)."""
    caller = await identify(update, context)
    if caller is None or caller.actor is None:
        return None
    return caller, caller.actor


Role = TypeVar("Role", BeneficiaryActor, CounsellorActor)


def only(
    role: type[Role], elsewhere: str = ""
) -> Callable[[Update, Context], Awaitable[tuple[Caller, Role] | None]]:
    """Callers of ``role``; the other role reads ``elsewhere`` (``N_``), where its own
    screen for this is, or nothing when ``elsewhere`` is empty. The actor it hands on is
    of ``role``, so its users need not check it again."""

    async def who(update: Update, context: Context) -> tuple[Caller, Role] | None:
        found = await anyone(update, context)
        if found is None:
            return None
        caller, actor = found
        if isinstance(actor, role):
            return caller, actor
        if elsewhere:
            await send(update, Screen(caller._(elsewhere)))
        return None

    return who


FOR_COUNSELLORS = N_("This command is for counsellors. /aide shows what you can do.")
counsellors = only(CounsellorActor, FOR_COUNSELLORS)
"""Counsellors, for a command that has no beneficiary's side: a beneficiary who types it
reads :data:`FOR_COUNSELLORS`."""


@dataclass(frozen=True)
class Asked(Acting):
    """One typed command, for the function that answers it: who (``asked.counsellor``
    for a command :func:`only` counsellors reach), and the update's session."""

    update: Update
    context: Context
    caller: Caller
    actor: PersonActor
    session: AsyncSession

    @property
    def typed(self) -> str:
        """What follows the command's name (``/beneficiaires léa`` → ``léa``)."""
        return " ".join(self.context.args or []).strip()


Answer = Callable[[Asked], Awaitable[Screen]]


def of_caller(build: Callable[[AsyncSession, Caller, Any], Awaitable[Screen]]) -> Answer:
    """A screen function of ``(session, caller, actor)`` as the answer to a command."""

    async def answer(asked: Asked) -> Screen:
        return await build(asked.session, asked.caller, asked.actor)

    answer.__doc__ = build.__doc__
    return answer


def by_role(*, beneficiary: Answer, counsellor: Answer) -> Answer:
    """One command, a screen for each role (``/seance``: a counsellor schedules, a
    beneficiary sees their sessions)."""

    async def answer(asked: Asked) -> Screen:
        chosen = counsellor if isinstance(asked.actor, CounsellorActor) else beneficiary
        return await chosen(asked)

    return answer


def screen_command(*, who: Who = anyone) -> Callable[[Answer], Callback]:
    """Decorator: the command's callback, which finds ``who`` typed it, builds the screen
    in the update's unit of work, and sends it as a new message."""

    def make(answer: Answer) -> Callback:
        async def command(update: Update, context: Context) -> None:
            if update.effective_message is None:
                return
            found = await who(update, context)
            if found is None:
                return
            caller, actor = found
            async with work(context) as session:
                screen = await answer(Asked(update, context, caller, actor, session))
            await send(update, screen)

        command.__doc__ = answer.__doc__
        command.__name__ = answer.__name__
        return command

    return make
