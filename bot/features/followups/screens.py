"""What the follow-up shows: the beneficiary's check-ins, a plan step's question, concluding.

Builders only: they read what storage gives them and return
:class:`~bot.kit.screens.Screen` values; the press table (:mod:`.presses`),
the check-in's steps (:mod:`.steps`) and the typed-text flow (:mod:`.typed`)
decide which one comes next. The buttons' data follow the grammar of
:mod:`.presses`.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton

from bot.features.followups.answers import STATUS_LABELS
from bot.features.plan.screens import CARD_PREFIX, day_text
from bot.i18n import Translate, format_date_long, ngettext_for
from bot.keyboards import button
from bot.kit.screens import Screen, e
from dialogues import followup as loop
from dialogues.followup import STEP_STATUSES
from dialogues.instruments import Instrument
from storage.followups import CheckinState, CheckinStatus
from storage.plans import Step
from storage.responses import RunState

PREFIX = "fu:"
GO_PREFIX = "fu:go:"
END_PREFIX = "fu:end:"


def months_text(months: int, locale: str) -> str:
    ngettext = ngettext_for(locale)
    return ngettext("{months} month", "{months} months", months).format(months=months)


def state_text(status: CheckinStatus, locale: str, timezone: str, _: Translate) -> str:
    """Where one check-in stands, in a few words (the person's list and the card)."""
    if status.state == CheckinState.ANSWERED and status.answered_at is not None:
        date = format_date_long(status.answered_at, locale, timezone)
        return _("sent on {date}").format(date=date)
    if status.state == CheckinState.SCHEDULED:
        return _("planned for {date}").format(
            date=format_date_long(status.due_at, locale, timezone)
        )
    if status.started:
        return _("started, to finish")
    if status.state == CheckinState.UNANSWERED:
        return _("not answered")
    return _("waiting for an answer")


def answer_label(status: CheckinStatus, _: Translate) -> str:
    return _("📝 Continue") if status.started else _("📝 Answer")


def checkins_screen(
    statuses: Sequence[CheckinStatus], locale: str, timezone: str, _: Translate
) -> Screen:
    """``/suivi``: the beneficiary's check-ins, with a button for each one open."""
    lines = [_("<b>🔁 My follow-up</b>"), ""]
    rows: list[list[InlineKeyboardButton]] = []
    if not statuses:
        lines.append(
            _(
                "After your bilan, I will ask you a few questions at 3 and 6 months to see "
                "where you stand. They are planned when your counsellor closes the "
                "conclusion phase."
            )
        )
    for status in statuses:
        when = months_text(status.months, locale)
        state = state_text(status, locale, timezone, _)
        lines.append("• " + _("{months} check-in: {state}").format(months=when, state=state))
        if status.state in (CheckinState.DUE, CheckinState.UNANSWERED):
            label = answer_label(status, _)
            rows.append([button(f"{label} — {when}", f"{GO_PREFIX}{status.id}")])
    return Screen("\n".join(lines), rows)


def _data(action: str, run_id: int, step_id: int, arg: str = "") -> str:
    return f"{PREFIX}{action}:{run_id}:{step_id}" + (f":{arg}" if arg else "")


def step_screen(
    instrument: Instrument,
    run: RunState,
    steps: list[Step],
    step: Step,
    locale: str,
    _: Translate,
) -> Screen:
    """Where the person is with one step of their plan: four answers, and back."""
    number = [s.id for s in steps].index(step.id) + 1
    lines = [
        f"<b>{e(instrument.title.get(locale))}</b> · "
        + _("Your action plan, step {number} of {count}").format(number=number, count=len(steps)),
        "",
        f"<b>{e(step.title)}</b>",
        _("Planned for {date}").format(date=day_text(step.target_date, locale)),
        "",
        "<b>" + _("Where are you with this step?") + "</b>",
    ]
    current = loop.read_answer(run.answers.get(loop.answer_id(step.id)))
    if current is not None:
        lines.append(
            _("Your current answer: {answer}").format(answer=_(STATUS_LABELS[current.status]))
        )
    statuses = [button(_(STATUS_LABELS[s]), _data("a", run.id, step.id, s)) for s in STEP_STATUSES]
    rows = [statuses[:2], statuses[2:]]
    if number > 1:
        rows.append([button(_("◀ Previous"), _data("b", run.id, step.id))])
    return Screen("\n".join(lines), rows)


def note_screen(run: RunState, step: Step, _: Translate) -> Screen:
    """After a step's answer: an optional word, typed, or go on."""
    current = loop.read_answer(run.answers.get(loop.answer_id(step.id)))
    status = _(STATUS_LABELS[current.status]) if current else ""
    lines = [
        f"<b>{e(step.title)}</b> — {status}",
        "",
        _("A word to add? Write it in a message (optional), or go on."),
    ]
    rows = [
        [button(_("Go on ➡️"), _data("k", run.id, step.id))],
        [button(_("◀ Previous"), _data("b", run.id, step.id))],
    ]
    return Screen("\n".join(lines), rows)


def conclude_question_screen(
    name: str, beneficiary_id: int, months: Sequence[int], locale: str, _: Translate
) -> Screen:
    """The counsellor confirms closing the conclusion phase, or goes back to the card."""
    planned = ", ".join(months_text(m, locale) for m in months)
    text = _(
        "Close the conclusion phase of {name}'s bilan? It is dated today and moves to "
        "follow-up; check-ins will be sent at {months}, at 10:00 their time."
    ).format(name=e(name), months=planned)
    rows = [
        [button(_("✅ Confirm"), f"{END_PREFIX}{beneficiary_id}:ok")],
        [button(_("Cancel"), f"{CARD_PREFIX}{beneficiary_id}")],
    ]
    return Screen(text, rows)


def concluded_screen(
    name: str,
    beneficiary_id: int,
    checkins: Sequence[CheckinStatus],
    locale: str,
    timezone: str,
    _: Translate,
) -> Screen:
    """Done: the bilan moves to follow-up, and when each check-in will be sent."""
    lines = [
        _("Done: {name}'s bilan is concluded and moves to follow-up.").format(name=e(name)),
        "",
    ]
    lines += [
        "• "
        + _("{months} check-in: {date}").format(
            months=months_text(c.months, locale),
            date=format_date_long(c.due_at, locale, timezone),
        )
        for c in checkins
    ]
    card = [button(_("🗂 Back to the card"), f"{CARD_PREFIX}{beneficiary_id}")]
    return Screen("\n".join(lines), [card])
