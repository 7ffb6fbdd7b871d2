"""The coming sessions (either role), a session's card, and "how long did it last?"."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton

from bot.features.sessions.draft import DURATIONS
from bot.features.sessions.texts import (
    LIST,
    NEW,
    answer_row,
    budget_text,
    confirmation_state,
    mode_label,
    move_pending_line,
    page,
    session_lines,
)
from bot.keyboards import button, distinct
from bot.kit.roles import as_beneficiary
from bot.kit.screens import Screen, e
from bot.moments import duration_text, when_short, when_text
from bot.runtime import Caller
from dialogues.typography import shorten
from storage import sessions as store
from storage.actors import BeneficiaryActor, CounsellorActor, PersonActor
from storage.models import utcnow
from storage.sessions import SessionInfo, SessionStatus

LISTED = 20


async def counsellor_list(
    session: AsyncSession, caller: Caller, actor: CounsellorActor, budget_hours: float
) -> Screen:
    _ = caller._
    coming = await store.upcoming_sessions(session, actor, limit=LISTED)
    to_close = await store.sessions_to_close(session, actor, limit=10)
    lines = [_("<b>Coming sessions</b> ({count})").format(count=len(coming))]
    if not coming:
        lines.append(_("None planned. Schedule one with /seance."))
    rows: list[list[InlineKeyboardButton]] = []
    for info in coming:
        lines.append(
            "• "
            + _("{when} — {name} ({duration}, {mode}): {state}").format(
                when=when_short(info.starts_at, caller.locale, actor.timezone),
                name=e(info.beneficiary_name),
                duration=duration_text(info.duration_minutes, _),
                mode=mode_label(info.mode, _),
                state=confirmation_state(info, _),
            )
        )
    if to_close:
        lines += ["", _("<b>To close</b> (mark done with the real duration, or cancel):")]
        for info in to_close:
            lines.append(
                "• "
                + _("{when} — {name}").format(
                    when=when_short(info.starts_at, caller.locale, actor.timezone),
                    name=e(info.beneficiary_name),
                )
            )
    shown = [*coming, *to_close][:LISTED]
    labels = []
    for info in shown:
        moment = when_short(info.starts_at, caller.locale, actor.timezone)
        mark = "⏳ " if info in to_close else ""
        labels.append(f"{mark}{moment} · {shorten(info.beneficiary_name, 24)}")
    for info, label in zip(shown, distinct(labels), strict=True):
        rows.append([button(label, f"s:v:{info.id}")])
    rows.append([button(_("➕ Schedule a session"), NEW)])
    return page("\n".join(lines), rows)


async def beneficiary_list(
    session: AsyncSession, caller: Caller, actor: BeneficiaryActor, budget_hours: float
) -> Screen:
    _ = caller._
    coming = await store.upcoming_sessions(session, actor, limit=LISTED)
    use = await store.budget_use(session, actor, actor.beneficiary_id)
    lines = [_("<b>Your sessions</b>")]
    if not coming:
        lines.append(_("No session planned yet: your counsellor will schedule the next one."))
    for info in coming:
        lines += ["", *session_lines(info, caller, actor.timezone)]
        if info.confirmed_at is not None:
            lines.append(_("✅ You confirmed."))
    lines += ["", budget_text(use, budget_hours, _)]
    rows = [
        [
            button(
                "📅 " + when_short(info.starts_at, caller.locale, actor.timezone),
                f"s:v:{info.id}",
            )
        ]
        for info in coming[:10]
    ]
    return page("\n".join(lines), rows)


async def card_screen(
    session: AsyncSession, caller: Caller, session_id: int, budget_hours: float
) -> Screen:
    _ = caller._
    actor = caller.actor
    assert actor is not None
    info = await store.session_for(session, actor, session_id)
    lines = [
        _("<b>Session with {name}</b>").format(
            name=e(
                info.beneficiary_name
                if isinstance(actor, CounsellorActor)
                else info.counsellor_name
            )
        )
    ]
    lines += session_lines(info, caller, actor.timezone)
    now = utcnow()
    rows: list[list[InlineKeyboardButton]] = []
    if info.status == SessionStatus.CANCELLED:
        lines.append(_("❌ Cancelled."))
        if info.cancel_reason:
            lines.append(_("Reason: {reason}").format(reason=e(info.cancel_reason)))
    elif info.status == SessionStatus.DONE:
        lines.append(
            _("✔ Done ({duration}).").format(
                duration=duration_text(info.actual_minutes or info.duration_minutes, _)
            )
        )
    if isinstance(actor, CounsellorActor):
        if info.status == SessionStatus.PLANNED:
            lines.append(_("Confirmation: {state}").format(state=confirmation_state(info, _)))
            if info.starts_at > now:
                rows.append(
                    [
                        button(_("📅 Move"), f"s:mv:{info.id}"),
                        button(_("✖ Cancel it"), f"s:cx:{info.id}"),
                    ]
                )
            else:
                rows.append(
                    [
                        button(_("✔ Mark done"), f"s:dn:{info.id}"),
                        button(_("✖ Cancel it"), f"s:cx:{info.id}"),
                    ]
                )
        use = await store.budget_use(session, actor, info.beneficiary_id)
        lines += ["", budget_text(use, budget_hours, _)]
    elif info.status == SessionStatus.PLANNED and info.starts_at > now:
        if info.confirmed_at is not None:
            lines.append(_("✅ You confirmed."))
        if info.move_requested_at is not None:
            lines.append(move_pending_line(info, _))
        rows.append(answer_row(_, info))
        rows.append([button(_("📅 Calendar file"), f"s:ics:{info.id}")])
    rows.append([button(_("◀ All sessions"), LIST)])
    return page("\n".join(lines), rows)


def done_screen(caller: Caller, info: SessionInfo, actor: CounsellorActor) -> Screen:
    _ = caller._
    text = _("How long did the session with {name} of {when} really last?").format(
        name=e(info.beneficiary_name), when=when_text(info.starts_at, caller.locale, actor.timezone)
    )
    planned = _("As planned ({duration})").format(duration=duration_text(info.duration_minutes, _))
    rows = [[button(planned, f"s:dd:{info.id}:{info.duration_minutes}")]]
    rows.append(
        [
            button(duration_text(m, _), f"s:dd:{info.id}:{m}")
            for m in DURATIONS
            if m != info.duration_minutes
        ]
    )
    rows.append([button(_("◀ Back"), f"s:v:{info.id}")])
    return page(text, rows)


async def coming_screen(
    session: AsyncSession, caller: Caller, actor: PersonActor, budget_hours: float
) -> Screen:
    """``s:list`` and ``/seances``: the counsellor's list or the beneficiary's own."""
    if isinstance(actor, CounsellorActor):
        return await counsellor_list(session, caller, actor, budget_hours)
    return await beneficiary_list(session, caller, as_beneficiary(caller), budget_hours)
