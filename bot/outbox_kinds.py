"""What each kind of outbox row looks like when it is sent.

A row in the outbox holds a *kind* and a payload, not a finished message:
the text is rendered when the row is sent, in the language the recipient
uses *then*, and the renderer can decide that the message no longer makes
sense (the session was moved, the task is done) by returning ``None``, in
which case the row is cancelled rather than sent.

Every rendered text is HTML, as everything the bot sends: a renderer puts a
name or any stored text into it through :func:`bot.kit.screens.e`. Since
the text is rendered at send time, a row queued before that rule (when some
kinds were plain text) is escaped by today's renderer, never read as markup.

Features register their kinds here::

    @register("session_reminder_1h", urgent=True, stale_after=timedelta(hours=1))
    async def render_reminder(
        context: RenderContext, row: ClaimedMessage
    ) -> OutgoingMessage | None:
        ...

``urgent`` kinds go out during quiet hours (a reminder that would otherwise
arrive after the session); ``stale_after`` says how old a held row of this
kind may be and still be worth sending to someone who comes back.

Two kinds are built in: ``notice`` (a translated message id with
parameters) and ``unreachable_notice`` (tells a counsellor that one of their
beneficiaries blocked the bot; it carries the beneficiary id only).

Rows are written by ``storage``, by the operation that implies the message
(scheduling a session, sharing a contact, delivering a synthesis), never by
a handler: the chat and the desk then send the same messages. A message
storage queues has a kind of its own, whose text lives here in the bot.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, InlineKeyboardMarkup

from bot.i18n import N_, Translate, format_date_long, format_day_and_time, gettext_for
from bot.kit.screens import e
from storage import outbox
from storage.actors import (
    AccessDenied,
    BeneficiaryActor,
    CounsellorActor,
    load_beneficiary_for,
)
from storage.db import Database
from storage.outbox import Addressee, ClaimedMessage

NOTICE = "notice"
UNREACHABLE_NOTICE = outbox.UNREACHABLE_NOTICE


@dataclass(frozen=True)
class OutgoingFile:
    data: bytes
    filename: str


@dataclass(frozen=True)
class OutgoingMessage:
    """One Telegram message: HTML text (or the caption of a document or photo), buttons."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None
    document: OutgoingFile | None = None
    photo: OutgoingFile | None = None

    def __post_init__(self) -> None:
        if self.document is not None and self.photo is not None:
            raise ValueError("a message carries a document or a photo, not both")


@dataclass(frozen=True)
class RenderContext:
    """What a renderer may use: the bot, the database, and who the message is for."""

    bot: Bot
    db: Database
    addressee: Addressee
    now: datetime

    @property
    def locale(self) -> str:
        return self.addressee.locale

    @property
    def timezone(self) -> str:
        return self.addressee.timezone

    @property
    def _(self) -> Translate:
        return gettext_for(self.addressee.locale)

    def beneficiary_actor(self) -> BeneficiaryActor | None:
        """The addressee as the beneficiary they are, to read their data through the door.

        None when the message is for a counsellor or nobody can be reached.
        """
        addressee = self.addressee
        if addressee.recipient.kind != "beneficiary" or addressee.chat_id is None:
            return None
        return BeneficiaryActor(
            addressee.recipient.id, addressee.chat_id, addressee.locale, addressee.timezone
        )

    def counsellor_actor(self) -> CounsellorActor | None:
        """The addressee as the counsellor they are (None for a beneficiary)."""
        addressee = self.addressee
        if addressee.recipient.kind != "counsellor" or addressee.chat_id is None:
            return None
        return CounsellorActor(
            addressee.recipient.id, addressee.chat_id, addressee.locale, addressee.timezone
        )


Renderer = Callable[[RenderContext, ClaimedMessage], Awaitable[OutgoingMessage | None]]


@dataclass(frozen=True)
class KindSpec:
    kind: str
    render: Renderer
    urgent: bool = False
    stale_after: timedelta = outbox.DEFAULT_STALE_AFTER


class KindRegistry:
    """Kind name → how to render it. One process-wide instance, :data:`REGISTRY`."""

    def __init__(self) -> None:
        self._specs: dict[str, KindSpec] = {}

    def register(
        self,
        kind: str,
        *,
        urgent: bool = False,
        stale_after: timedelta = outbox.DEFAULT_STALE_AFTER,
    ) -> Callable[[Renderer], Renderer]:
        """Decorator registering a renderer; a kind can be registered once only."""

        def decorate(render: Renderer) -> Renderer:
            if kind in self._specs:
                raise ValueError(f"outbox kind {kind!r} is already registered")
            self._specs[kind] = KindSpec(kind, render, urgent, stale_after)
            return render

        return decorate

    def get(self, kind: str) -> KindSpec | None:
        return self._specs.get(kind)

    def stale_after(self, kind: str) -> timedelta:
        """For :func:`storage.outbox.on_person_returned`."""
        spec = self._specs.get(kind)
        return spec.stale_after if spec else outbox.DEFAULT_STALE_AFTER

    def kinds(self) -> list[str]:
        return sorted(self._specs)


REGISTRY = KindRegistry()
register = REGISTRY.register


# ---------------------------------------------------------------------------
# "notice": a translated message id with parameters
# ---------------------------------------------------------------------------

ParamValue = str | int | float | datetime


def notice_payload(msgid: str, **params: ParamValue) -> dict[str, Any]:
    """The payload of a ``notice``: mark ``msgid`` with ``N_`` where it is written.

    Datetimes (aware, UTC) are shown in the recipient's zone and language at
    send time; write ``{when}`` in the message for a date and time, or
    ``{when_date}`` for the date alone, given ``when=...``.
    """
    encoded: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError("notice datetimes must be timezone-aware")
            encoded[name] = {"datetime": value.isoformat()}
        else:
            encoded[name] = value
    return {"msgid": msgid, "params": encoded}


def _format_params(params: Mapping[str, Any], context: RenderContext) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, dict) and "datetime" in value:
            moment = datetime.fromisoformat(value["datetime"])
            values[name] = format_day_and_time(moment, context.locale, context.timezone)
            values[f"{name}_date"] = format_date_long(moment, context.locale, context.timezone)
        else:
            values[name] = value
    return values


@register(NOTICE)
async def render_notice(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    payload = row.payload or {}
    msgid = payload.get("msgid")
    if not isinstance(msgid, str) or not msgid:
        raise ValueError("notice payload without msgid")
    params = _format_params(payload.get("params") or {}, context)
    # A notice is plain words (its msgid and parameters were never markup): escaped whole.
    return OutgoingMessage(e(context._(msgid).format(**params)))


# ---------------------------------------------------------------------------
# "unreachable_notice": a beneficiary blocked the bot
# ---------------------------------------------------------------------------

UNREACHABLE_TEXT = N_(
    "{name} no longer receives my messages: they may have blocked the bot. "
    "Their reminders are on hold until they open the conversation with me again."
)


@register(UNREACHABLE_NOTICE, stale_after=timedelta(days=14))
async def render_unreachable(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """Names the beneficiary to their own counsellor, read through the access door.

    Not sent if the person is reachable again by then, or is no longer this
    counsellor's beneficiary.
    """
    actor = context.counsellor_actor()
    beneficiary_id = (row.payload or {}).get("beneficiary_id")
    if actor is None or not isinstance(beneficiary_id, int):
        return None
    async with context.db.transaction() as session:
        try:
            beneficiary = await load_beneficiary_for(session, actor, beneficiary_id)
        except AccessDenied:
            return None
        if beneficiary.unreachable_at is None:
            return None
        name = beneficiary.name
    return OutgoingMessage(context._(UNREACHABLE_TEXT).format(name=e(name)))
