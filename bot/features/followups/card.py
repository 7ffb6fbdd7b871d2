"""What a beneficiary's card shows of the plan and the follow-up, for their counsellor.

:mod:`bot.features.card.screens` loads a :class:`CardAddition` in the card's own
transaction and adds its lines and buttons: counts, states and dates only,
no personal text decrypted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton

from bot.features.followups.screens import END_PREFIX, months_text, state_text
from bot.features.plan.screens import CARD_BUTTON, COUNSELLOR_PREFIX, today_in
from bot.i18n import Translate, format_date_long
from bot.keyboards import button
from storage.actors import CounsellorActor, load_beneficiary_for
from storage.followups import CheckinState, CheckinStatus, followup_status
from storage.models import Phase
from storage.plans import PlanSummary, plan_summary

PLAN_PHASES = (Phase.CONCLUSION, Phase.SUIVI, Phase.CLOS)
"""From the conclusion on, the card offers the plan even while it is empty."""


@dataclass(frozen=True)
class CardAddition:
    """What the card shows of the plan and the follow-up: counts, states and dates only."""

    beneficiary_id: int
    phase: Phase
    concluded_at: datetime | None
    plan: PlanSummary
    checkins: tuple[CheckinStatus, ...]


async def load_card_addition(
    session: AsyncSession, actor: CounsellorActor, beneficiary_id: int
) -> CardAddition:
    """Load in the card's own transaction: a handful of small queries, no text decrypted."""
    row = await load_beneficiary_for(session, actor, beneficiary_id)
    plan = await plan_summary(session, actor, beneficiary_id, today_in(actor.timezone))
    checkins = await followup_status(session, actor, beneficiary_id)
    return CardAddition(beneficiary_id, row.phase, row.concluded_at, plan, tuple(checkins))


def card_lines(addition: CardAddition, locale: str, timezone: str, _: Translate) -> list[str]:
    """Lines for ``card_screen``, after the questionnaires (HTML, no personal text)."""
    plan = addition.plan
    lines: list[str] = []
    if addition.phase in PLAN_PHASES or plan != PlanSummary():
        written, missing = _("written"), _("not written yet")
        lines += ["", _("<b>Project and action plan</b>")]
        lines.append(
            _("Main project: {main} · alternative: {alternative}").format(
                main=written if plan.has_main else missing,
                alternative=written if plan.has_alternative else missing,
            )
        )
        if plan.steps or plan.proposed:
            steps = _("Steps done: {done} of {count}").format(done=plan.done, count=plan.steps)
            if plan.overdue:
                steps += " · " + _("⚠️ past their date: {count}").format(count=plan.overdue)
            if plan.proposed:
                steps += " · " + _("💡 to agree: {count}").format(count=plan.proposed)
            lines.append(steps)
        else:
            lines.append(_("No steps yet."))
    if addition.concluded_at is not None or addition.checkins:
        lines += ["", _("<b>Follow-up</b>")]
        if addition.concluded_at is not None:
            date = format_date_long(addition.concluded_at, locale, timezone)
            lines.append(_("Bilan concluded on {date}").format(date=date))
        for status in addition.checkins:
            state = state_text(status, locale, timezone, _)
            if status.state in (CheckinState.DUE, CheckinState.UNANSWERED):
                sent = format_date_long(status.due_at, locale, timezone)
                state = _("{state} (invited on {date})").format(state=state, date=sent)
            when = months_text(status.months, locale)
            lines.append("• " + _("{months} check-in: {state}").format(months=when, state=state))
    return lines


def card_buttons(addition: CardAddition, _: Translate) -> list[list[InlineKeyboardButton]]:
    """Rows for ``card_screen``: the plan (from the conclusion on) and concluding."""
    bid = addition.beneficiary_id
    rows: list[list[InlineKeyboardButton]] = []
    if addition.phase in PLAN_PHASES or addition.plan != PlanSummary():
        rows.append([button(_(CARD_BUTTON), f"{COUNSELLOR_PREFIX}{bid}")])
    if addition.phase == Phase.CONCLUSION:
        rows.append([button(_("✅ Close the conclusion phase"), f"{END_PREFIX}{bid}")])
    return rows
