"""The copy's plain-text sentences: dates, who opened what, retention, synthesis, portfolio.

Plain text, no markup: the PDF prints them, ``/mesdonnees`` escapes them into
its HTML screens, and the synthesis and portfolio screens reuse their lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.export.answers import instrument_of
from bot.export.labels import PART_TITLES, PHASES, PORTFOLIO_KINDS, PORTFOLIO_LEVELS
from bot.i18n import N_, Translate, format_date_long, format_datetime
from dialogues.formats import format_iso_date
from dialogues.languages import language
from storage.models import Phase
from storage.rights import Access, Dossier, Record, RetentionBasis


def access_text(access: Access, _: Translate, locale: str, timezone: str) -> str:
    """One line of the audit log as the person reads it (plain text)."""
    when = when_text(access.at, locale, timezone)
    who = access.actor_name or (
        _("Your counsellor") if access.actor_kind == "counsellor" else _("The bot's administrator")
    )
    action = access.action
    if action.startswith("phase:"):
        phase = next((p for p in Phase if p.value == action.removeprefix("phase:")), None)
        label = _(PHASES[phase]) if phase else action.removeprefix("phase:")
        return _("{who} moved your bilan to the {phase} on {when}").format(
            who=who, phase=label, when=when
        )
    if action == "conclude":
        return _("{who} concluded your bilan on {when}").format(who=who, when=when)
    synthesis = {
        "synthesis:generate": N_("{who} drafted your synthesis document on {when}"),
        "synthesis:upload": N_("{who} sent an edited version of your synthesis on {when}"),
        "synthesis:download": N_("{who} downloaded your synthesis document on {when}"),
        "synthesis:review": N_("{who} showed you your synthesis to review on {when}"),
        "synthesis:deliver": N_("{who} delivered your final synthesis on {when}"),
    }
    if action in synthesis:
        return _(synthesis[action]).format(who=who, when=when)
    if action.startswith("write:"):
        what = (
            _("your professional project")
            if action.startswith("write:project")
            else _("part of your dossier")
        )
        return _("{who} updated {what} on {when}").format(who=who, what=what, when=when)
    instrument = instrument_of(action.removeprefix("read:")) if action.startswith("read:") else None
    if instrument is not None:
        return _("{who} opened “{title}” on {when}").format(
            who=who, title=instrument.title.get(locale), when=when
        )
    return _("{who} opened {what} on {when}").format(
        who=who, what=access_object(action, _, locale), when=when
    )


def when_pattern(locale: str) -> str:
    """Babel pattern of "12 March 2027 at 14:05" / "12 mars 2027 à 8 h 05"."""
    return language(locale).dates.export_when


def _first_of_month(text: str, locale: str) -> str:
    """French writes the first day of a month "1er": "1er décembre 2026"."""
    first = language(locale).first_of_month
    return first + text[1:] if first is not None and text.startswith("1 ") else text


def when_text(moment: datetime, locale: str, timezone: str) -> str:
    """A moment as people write it, in the reader's zone: "1er décembre 2026 à 8 h 37"."""
    return _first_of_month(format_datetime(moment, locale, timezone, when_pattern(locale)), locale)


def day_text(moment: datetime, locale: str, timezone: str) -> str:
    """The day of a moment, in the reader's zone: "1er décembre 2026" / "1 December 2026"."""
    return _first_of_month(format_date_long(moment, locale, timezone), locale)


def access_object(action: str, _: Translate, locale: str) -> str:
    """What an audited action opened, as the object of a sentence."""
    if action.startswith("read:"):
        what = action.removeprefix("read:")
        if what == "current_job":
            return _("your job and the skills you ticked")
        if what == "metiers":
            return _("your jobs to explore")
        if what == "portfolio":
            return _("your skills portfolio")
        if what == "synthesis_comments":
            return _("your comments on your synthesis")
        if what == "enquetes":
            return _("the reports of your enquêtes métiers")
    known = {
        "open:card": _("your card (where your bilan stands)"),
        "journal.read_shared": _("the journal entries you shared"),
        "tasks.read_note": _("your notes on your tasks"),
        "contacts:share": _("the contacts shared with you"),
    }
    return known.get(action, _("part of your dossier"))


def retention_text(dossier: Dossier, _: Translate, locale: str, timezone: str) -> str:
    """Until when the data is kept, in one or two sentences."""
    dates = dossier.retention

    def day(moment: datetime) -> str:
        return day_text(moment, locale, timezone)

    if dates.basis == RetentionBasis.INACTIVITY:
        return _(
            "Your data is erased one year at most after the end of your bilan. Until then, "
            "if nothing happens in your bilan for a year, it is erased on {date}."
        ).format(date=day(dates.contact_until))
    if dates.basis == RetentionBasis.SYNTHESIS_KEPT:
        return _(
            "You agreed that your synthesis be kept for a year: everything is erased on {date}."
        ).format(date=day(dates.contact_until))
    if dates.basis == RetentionBasis.FOLLOWUP_ONLY:
        return _(
            "Your working dossier is erased on {dossier} (after the last follow-up); only your "
            "follow-up contact stays until {contact}, then it is erased too."
        ).format(dossier=day(dates.dossier_until), contact=day(dates.contact_until))
    return _("Erased on {date}.").format(date=day(dates.contact_until))


def part_title(kind: str, _: Translate) -> str:
    msgid = PART_TITLES.get(kind)
    return _(msgid) if msgid else _("Other data kept: {name}").format(name=kind)


def value_text(value: Any, _: Translate, locale: str, timezone: str) -> str:
    """A stored value in words: a date as people write it, yes or no, never a code."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str):
        if _ISO_DAY.fullmatch(value):
            return format_iso_date(value, locale)
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if "T" in value and moment.tzinfo is not None:
            return when_text(moment, locale, timezone)
        return value
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return "—" if value is None else str(value)


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def record_heading(record: Record, _: Translate, locale: str, tz: str) -> str:
    """What a row is about: its title, else its date ("12 novembre 2026 à 9 h 00")."""
    title = record.data.get("title")
    if isinstance(title, str) and title.strip():
        return title
    starts = record.data.get("starts_at")
    if isinstance(starts, str):
        return value_text(starts, _, locale, tz)
    return when_text(record.at, locale, tz) if record.at else "—"


def portfolio_lines(records: list[Record], _: Translate) -> list[tuple[str, list[str]]]:
    """The portfolio as the PDF prints it: per kind, one line per skill, then its evidence.

    ★ marks a skill carried into the project; hidden skills come last, named as such.
    """
    sections: list[tuple[str, list[str]]] = []
    for kind, title in PORTFOLIO_KINDS.items():
        lines: list[str] = []
        hidden: list[str] = []
        for record in records:
            data = record.data
            if data.get("kind") != kind:
                continue
            label = str(data.get("label", ""))
            if data.get("hidden"):
                hidden.append(label)
                continue
            line = ("★ " if data.get("carried") else "• ") + label
            level = PORTFOLIO_LEVELS.get(str(data.get("level")))
            if level is not None:
                line += f" — {_(level)}"
            lines.append(line)
            evidence = data.get("evidence")
            if isinstance(evidence, dict) and evidence.get("text"):
                lines.append("    " + _("Evidence: {text}").format(text=evidence["text"]))
        if hidden:
            lines.append(_("Hidden by you: {labels}").format(labels="; ".join(hidden)))
        if lines:
            sections.append((_(title), lines))
    return sections


def synthesis_lines(data: Mapping[str, Any], _: Translate, locale: str, tz: str) -> list[str]:
    """Where the synthesis stands, its versions and the person's comments, as sentences."""

    def when(value: Any) -> str:
        if not isinstance(value, str):
            return "—"
        return when_text(datetime.fromisoformat(value), locale, tz)

    states = {
        "drafting": _("being written by your counsellor"),
        "in_review": _("shown to you for review"),
        "agreed": _("agreed by you, to be delivered"),
        "delivered": _("delivered to you"),
    }
    state = str(data.get("state", ""))
    lines = [_("Where it stands: {state}").format(state=states.get(state, state))]
    for version in data.get("versions") or []:
        origin = _("draft") if version.get("origin") == "draft" else _("edited by your counsellor")
        lines.append(
            _("Version {number} ({origin}), {when}, {pages} pages").format(
                number=version.get("number"),
                origin=origin,
                when=when(version.get("created_at")),
                pages=version.get("pages"),
            )
        )
    for comment in data.get("comments") or []:
        lines.append(
            _("Your comment on version {number}, {when}: {text}").format(
                number=comment.get("version"),
                when=when(comment.get("at")),
                text=comment.get("text"),
            )
        )
    if data.get("delivered_at"):
        lines.append(_("Delivered on {when}.").format(when=when(data.get("delivered_at"))))
    if data.get("retention_agreed") is True and data.get("kept_until"):
        lines.append(
            _("You agreed that a copy be kept until {when}.").format(
                when=when(data.get("kept_until"))
            )
        )
    if data.get("copy_deleted_at"):
        lines.append(
            _("The organisation's copy was erased on {when}.").format(
                when=when(data.get("copy_deleted_at"))
            )
        )
    return lines
