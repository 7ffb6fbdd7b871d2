"""The organisation's settings for sessions: the bilan's hours budget and when reminders go."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.runtime import Context, setting
from storage import sessions as store

log = logging.getLogger(__name__)
DEFAULT_BUDGET_HOURS = 24.0


@dataclass(frozen=True)
class SessionSettings:
    """Organisation settings: the bilan's hours budget and when reminders go."""

    budget_hours: float = DEFAULT_BUDGET_HOURS
    reminders: tuple[timedelta, ...] = store.DEFAULT_REMINDERS


def session_settings(context: Context) -> SessionSettings:
    """From ``BILAN_HOURS_BUDGET`` (24) and ``SESSION_REMINDER_OFFSETS`` ("24h,2h")."""
    budget = DEFAULT_BUDGET_HOURS
    raw_budget = setting(context, "bilan_hours_budget")
    if raw_budget is not None:
        try:
            budget = float(raw_budget)
        except ValueError:
            log.warning("BILAN_HOURS_BUDGET is not a number: using %s", DEFAULT_BUDGET_HOURS)
    reminders: tuple[timedelta, ...] = store.DEFAULT_REMINDERS
    raw_offsets = setting(context, "session_reminder_offsets")
    if raw_offsets is not None:
        try:
            reminders = store.parse_offsets(raw_offsets)
        except ValueError:
            log.warning("SESSION_REMINDER_OFFSETS is malformed: using 24h,2h")
    return SessionSettings(budget, reminders)
