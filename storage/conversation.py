"""What the bot waits for from a person: one conversation state, one row per person at most.

A typed message means something only against what the bot asked last: a
skill's label, a session's move reason, a journal note, a questionnaire's
answer. Six features used to keep that in six tables, and two waits could
stand at once, so a person's words could reach a flow they had left. Here a
person has at most one wait. Starting one ends the one before it in the same
transaction, and the dropped wait is left in ``session.info`` under
:data:`DROPPED_KEY` so that the bot can tell the person in one line.

The row is keyed by the Telegram user, because that is what an update
carries: the bot finds the wait with the caller in the first query of the
update, and every later read in the same session is served by the identity
map without SQL. ``beneficiary_id`` names the bilan a wait is about (the
person's own, or the one a counsellor is working on), so an erasure finds the
row by its foreign key like every other row about the person. The payload
(ids, a half-typed title or address) is encrypted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.actors import AccessDenied, BeneficiaryActor, CounsellorActor, PersonActor
from storage.crypto import EncryptedJSON
from storage.models import Base, UTCDateTime, utcnow

DROPPED_KEY = "conversation.dropped"
"""``session.info`` key: the waits this transaction ended by starting another (a list)."""
HELD_KEY = "conversation.rows"
"""``session.info`` key: the rows (or their absence) read in this transaction, by
Telegram id. The identity map holds rows weakly; holding them here is what lets
the caller's lookup and the handler after it share one SELECT."""

MAX_FLOW = 24
MAX_STEP = 40


class ConversationRow(Base):
    """The one thing the bot waits for from this Telegram user, until ``until``."""

    __tablename__ = "conversations"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    person_kind: Mapped[str] = mapped_column(String(12))
    person_id: Mapped[int]
    beneficiary_id: Mapped[int | None] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), index=True, nullable=True
    )
    flow: Mapped[str] = mapped_column(String(MAX_FLOW))
    step: Mapped[str] = mapped_column(String(MAX_STEP))
    payload: Mapped[Any] = mapped_column(EncryptedJSON)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    until: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class Wait:
    """A wait as the features read it."""

    flow: str
    step: str
    payload: dict[str, Any] = field(default_factory=dict)
    beneficiary_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def _who(actor: PersonActor) -> tuple[str, int]:
    if isinstance(actor, BeneficiaryActor):
        return "beneficiary", actor.beneficiary_id
    if isinstance(actor, CounsellorActor):
        return "counsellor", actor.counsellor_id
    raise AccessDenied("only a person has a conversation")


def _wait(row: ConversationRow) -> Wait:
    payload = row.payload if isinstance(row.payload, dict) else {}
    return Wait(row.flow, row.step, dict(payload), row.beneficiary_id, row.since, row.until)


async def _row(session: AsyncSession, actor: PersonActor) -> ConversationRow | None:
    """The actor's row, read once per transaction (the caller's lookup reads it first)."""
    row = await _held(session, actor.telegram_id)
    if row is None:
        return None
    if (row.person_kind, row.person_id) != _who(actor):
        # Left by the same Telegram user in another role (a counsellor account
        # deactivated, say): never read as this actor's.
        return None
    return row


async def _held(session: AsyncSession, telegram_id: int) -> ConversationRow | None:
    held: dict[int, ConversationRow | None] = session.info.setdefault(HELD_KEY, {})
    if telegram_id not in held:
        held[telegram_id] = await session.get(ConversationRow, telegram_id)
    return held[telegram_id]


def hold(session: AsyncSession, telegram_id: int, row: ConversationRow | None) -> None:
    """This user's row (or its absence), just read in this session by another query:
    the caller's lookup joins it, so reading the wait costs no SELECT of its own."""
    session.info.setdefault(HELD_KEY, {})[telegram_id] = row


async def current(
    session: AsyncSession,
    actor: PersonActor,
    *,
    flows: Iterable[str] | None = None,
    now: datetime | None = None,
) -> Wait | None:
    """What the bot waits for from this person (of one of ``flows``), unless it lapsed."""
    row = await _row(session, actor)
    if row is None or row.until <= (now or utcnow()):
        return None
    if flows is not None and row.flow not in set(flows):
        return None
    return _wait(row)


async def begin(
    session: AsyncSession,
    actor: PersonActor,
    flow: str,
    step: str = "",
    payload: dict[str, Any] | None = None,
    *,
    lasts: timedelta,
    beneficiary_id: int | None = None,
    now: datetime | None = None,
) -> Wait | None:
    """Wait for ``flow`` from now on, ending whatever this person's conversation was.

    Returns the wait this ended when it was another flow's and still running
    (also appended to ``session.info[DROPPED_KEY]``), else ``None``. The same
    flow moving to its next step is not a drop.
    """
    if len(flow) > MAX_FLOW or len(step) > MAX_STEP:
        raise ValueError("flow or step name too long")
    kind, person_id = _who(actor)
    if isinstance(actor, BeneficiaryActor):
        beneficiary_id = actor.beneficiary_id
    now = now or utcnow()
    row = await _held(session, actor.telegram_id)
    dropped: Wait | None = None
    if row is None:
        row = ConversationRow(telegram_id=actor.telegram_id)
        session.add(row)
        session.info[HELD_KEY][actor.telegram_id] = row
    elif (
        row.flow != flow
        and row.until > now
        and (row.person_kind, row.person_id) == (kind, person_id)
    ):
        dropped = _wait(row)
        session.info.setdefault(DROPPED_KEY, []).append(dropped)
    row.person_kind = kind
    row.person_id = person_id
    row.beneficiary_id = beneficiary_id
    row.flow = flow
    row.step = step
    row.payload = dict(payload or {})
    row.since = now
    row.until = now + lasts
    await session.flush()
    return dropped


async def keep(
    session: AsyncSession,
    actor: PersonActor,
    flow: str,
    step: str,
    *,
    lasts: timedelta,
    beneficiary_id: int | None = None,
    now: datetime | None = None,
) -> Wait | None:
    """Like :func:`begin`, but write nothing when this exact wait already stands.

    For a flow that shows one step after another (a questionnaire): the wait
    is rewritten only when it changes or has lapsed, so an answer costs no
    extra statement. The lapse counts from the wait's start, not from the last step.
    """
    now = now or utcnow()
    row = await _row(session, actor)
    if row is not None and row.flow == flow and row.step == step and row.until > now:
        return None
    return await begin(
        session, actor, flow, step, lasts=lasts, beneficiary_id=beneficiary_id, now=now
    )


async def end(
    session: AsyncSession, actor: PersonActor, *, flows: Iterable[str] | None = None
) -> Wait | None:
    """Stop waiting (only if it is one of ``flows``); the wait that stood, lapsed or not."""
    row = await _row(session, actor)
    if row is None or (flows is not None and row.flow not in set(flows)):
        return None
    ended = _wait(row)
    await session.delete(row)
    session.info[HELD_KEY][actor.telegram_id] = None
    await session.flush()
    return ended


async def end_about(session: AsyncSession, beneficiary_id: int, *, flows: Iterable[str]) -> int:
    """End the waits of ``flows`` about this bilan, whoever waits (the person, their
    conversation partner): for the moment what they waited for is gone, such as a
    synthesis version that a newer one replaced."""
    result = await session.execute(
        delete(ConversationRow)
        .where(
            ConversationRow.beneficiary_id == beneficiary_id,
            ConversationRow.flow.in_(list(flows)),
        )
        .execution_options(synchronize_session="fetch")
    )
    session.info.pop(HELD_KEY, None)  # rows held may be gone
    return int(result.rowcount)  # type: ignore[attr-defined]


async def forget_lapsed(session: AsyncSession, now: datetime | None = None) -> int:
    """Delete the waits past their ``until`` (the daily purge): a lapsed wait no
    longer takes anything, and a typed draft in it must not outlive it."""
    result = await session.execute(
        delete(ConversationRow)
        .where(ConversationRow.until <= (now or utcnow()))
        .execution_options(synchronize_session="fetch")
    )
    session.info.pop(HELD_KEY, None)  # rows held may be gone
    return int(result.rowcount)  # type: ignore[attr-defined]


def dropped_waits(session: AsyncSession) -> list[Wait]:
    """The waits this session's transaction ended by starting others, and forget them."""
    found: list[Wait] = session.info.pop(DROPPED_KEY, [])
    return found
