"""How a session reads, for both roles: its mode, place, hours budget, confirmation.

Every screen of this feature is a :func:`page`: HTML, with link previews off
(a video call link or an address must not unfold into a card).
"""

from __future__ import annotations

from telegram import InlineKeyboardButton

from bot.i18n import Translate, ngettext_of
from bot.keyboards import button
from bot.kit.screens import e
from bot.kit.screens import page as page  # this feature's screens fold their links
from bot.moments import duration_text, when_text, zone_note
from bot.runtime import Caller
from dialogues.typography import shorten
from storage import sessions as store
from storage.sessions import SessionInfo, SessionMode, SessionRefused

LIST = "s:list"
NEW = "s:new"
BENEFICIARY_PREFIX = "s:b:"
"""The presses many screens link to: the list, a new session, a beneficiary picked."""


def mode_label(mode: SessionMode, _: Translate) -> str:
    labels = {
        SessionMode.IN_PERSON: _("in person"),
        SessionMode.VIDEO: _("video call"),
        SessionMode.PHONE: _("by phone"),
    }
    return labels[mode]


def place_line(info: SessionInfo, _: Translate, limit: int = store.MAX_PLACE) -> str:
    """Where the session happens, as a line of HTML."""
    if info.mode == SessionMode.IN_PERSON and info.place:
        return _("📍 Address: {place}").format(place=e(shorten(info.place, limit)))
    if info.mode == SessionMode.VIDEO and info.place:
        return _("💻 Video call link: {place}").format(place=e(shorten(info.place, limit)))
    return _("📞 By phone: your counsellor will call you.")


def budget_text(use: store.BudgetUse, budget_hours: float, _: Translate) -> str:
    """ "Heures du bilan : 2 h faites, 1 h prévue ; il reste 21 h sur 24 h." — the hours
    left are stated, so nobody has to do the sum."""
    ngettext = ngettext_of(_)
    budget_minutes = round(budget_hours * 60)
    done = ngettext("{duration} done", "{duration} done", use.done_minutes // 60).format(
        duration=duration_text(use.done_minutes, _)
    )
    planned = ngettext(
        "{duration} planned", "{duration} planned", use.planned_minutes // 60
    ).format(duration=duration_text(use.planned_minutes, _))
    left_minutes = budget_minutes - use.total_minutes
    if left_minutes >= 0:
        left = _("{left} left of {budget}").format(
            left=duration_text(left_minutes, _), budget=duration_text(budget_minutes, _)
        )
    else:
        left = _("{over} over the {budget}").format(
            over=duration_text(-left_minutes, _), budget=duration_text(budget_minutes, _)
        )
    return _("Bilan hours: {done}, {planned}; {left}.").format(
        done=done, planned=planned, left=left
    )


def confirmation_state(info: SessionInfo, _: Translate) -> str:
    if info.move_requested_at is not None:
        state = _("🔁 asks to move it")
        if info.move_reason:
            state += f" — « {e(shorten(info.move_reason, 120))} »"
        return state
    if info.confirmed_at is not None:
        return _("✅ confirmed")
    return _("⏳ not confirmed yet")


def session_lines(info: SessionInfo, caller: Caller, timezone: str) -> list[str]:
    _ = caller._
    lines = [
        "🗓 " + when_text(info.starts_at, caller.locale, timezone) + zone_note(timezone),
        _("⏱ Duration: {duration}").format(duration=duration_text(info.duration_minutes, _)),
        _("Mode: {mode}").format(mode=mode_label(info.mode, _)),
    ]
    if info.mode != SessionMode.PHONE:
        lines.append(place_line(info, _))
    return lines


def heading_of(caller: Caller, name: str, flow: str) -> str:
    _ = caller._
    if flow == "move":
        return _("<b>Moving the session with {name}.</b>").format(name=e(name))
    return _("<b>New session with {name}.</b>").format(name=e(name))


def answer_row(_: Translate, info: SessionInfo) -> list[InlineKeyboardButton]:
    return [
        button(_("✅ I confirm"), f"s:y:{info.id}:{info.sequence}"),
        button(_("🔁 I have to move it"), f"s:n:{info.id}:{info.sequence}"),
    ]


def move_pending_line(info: SessionInfo, _: Translate) -> str:
    """The beneficiary's own pending move request, in their voice."""
    return _(
        "🔁 You told {counsellor} you have to move it: they will offer you another time. "
        "Until then it stays planned."
    ).format(counsellor=e(info.counsellor_name))


def refusal_text(refused: SessionRefused, _: Translate) -> str:
    texts = {
        "past": _(
            "⚠️ That time has passed meanwhile: nothing was scheduled. Start again with /seance."
        ),
        "too_far": _("⚠️ That is more than a year away: nothing was scheduled."),
        "not_active": _(
            "This person has not accepted their invitation, or withdrew their consent."
        ),
        "not_planned": _("This session is over or was cancelled."),
    }
    return texts.get(refused.reason, _("⚠️ That could not be done: nothing was changed."))
