"""The person's copy of their data: a readable PDF and a machine-readable JSON file.

Both are built from one :class:`storage.rights.Dossier`, so they cannot
disagree. The JSON holds everything, raw values and, next to them, the same
answers written out as the PDF shows them; its shape is documented in
``docs/export-format.md`` and versioned by :data:`FORMAT_VERSION`. The PDF
is for reading and printing: the dossier, results with their charts, the
job and the pistes, sessions, tasks, the journal (shared and private), the
messages scheduled, and who opened what.

Parts this module does not know (a table added later, exported by the
generic discovery of :mod:`storage.rights`) still print, as fields and
values, so nothing kept is left out of the copy.

Building is synchronous and CPU-bound (charts, fonts): call the builders
through ``asyncio.to_thread``.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from bot.charts import riasec_chart_png, values_chart_png
from bot.documents import new_pdf
from bot.i18n import N_, Translate, format_date_long, format_datetime, gettext_for
from dialogues.engine import recap
from dialogues.formats import format_iso_date
from dialogues.instruments import Instrument, load_all
from dialogues.languages import language
from dialogues.results import describe_riasec, describe_values
from dialogues.scoring import RiasecResult, ValuesResult
from storage.models import BeneficiaryStatus, Phase
from storage.rights import Access, Dossier, Record, RetentionBasis

if TYPE_CHECKING:
    from fpdf import FPDF

FORMAT = "bilan-bot-export"
FORMAT_VERSION = 1
SCORED_KINDS = ("riasec", "values")
RIASEC_KEYS = ("riasec", "riasec_short")
PISTES_DOMAINS = 5

PHASES = {
    Phase.PRELIMINAIRE: N_("preliminary phase"),
    Phase.INVESTIGATION: N_("investigation phase"),
    Phase.CONCLUSION: N_("conclusion phase"),
    Phase.SUIVI: N_("follow-up"),
    Phase.CLOS: N_("closed"),
}
STATUSES = {
    BeneficiaryStatus.INVITED: N_("invited"),
    BeneficiaryStatus.ACTIVE: N_("consent given"),
    BeneficiaryStatus.WITHDRAWN: N_("consent withdrawn"),
}
# Headings of the parts other modules contribute, by collector kind or table name.
PART_TITLES = {
    "sessions": N_("Sessions with your counsellor"),
    "counselling_sessions": N_("Sessions with your counsellor"),
    "tasks": N_("Tasks between sessions"),
    "journal": N_("Your journal"),
    "journal_entries": N_("Your journal"),
    "followups": N_("Follow-up check-ins"),
    "plan": N_("Your action plan"),
    "action_plan": N_("Your action plan"),
    "synthesis": N_("Your synthesis"),
    "messages": N_("Messages scheduled or sent"),
    "waiting": N_("What the bot was waiting for from you"),
    "professional_projects": N_("Your professional project"),
    "plan_steps": N_("Your action plan"),
    "followup_checkins": N_("Follow-up check-ins"),
    "portfolio": N_("Your skills portfolio"),
    "enquetes": N_("Your enquêtes métiers"),
}
JOURNAL_PARTS = ("journal", "journal_entries")
# The order parts print in; parts not listed follow, messages close.
PART_ORDER = (
    "portfolio",
    "enquetes",
    "professional_projects",
    "plan",
    "action_plan",
    "plan_steps",
    "synthesis",
    "sessions",
    "counselling_sessions",
    "tasks",
    "journal",
    "journal_entries",
    "followups",
    "followup_checkins",
)
# Field names of the tables known today, as the PDF labels them.
FIELD_LABELS = {
    "title": N_("Title"),
    "text": N_("Text"),
    "details": N_("Details"),
    "main": N_("Main project"),
    "alternative": N_("Alternative project"),
    "training": N_("Training project"),
    "starts_at": N_("Date and time"),
    "duration_minutes": N_("Duration (minutes)"),
    "actual_minutes": N_("Actual duration (minutes)"),
    "mode": N_("How"),
    "place": N_("Place or link"),
    "status": N_("Status"),
    "state": N_("State"),
    "confirmed_at": N_("Confirmed on"),
    "move_requested_at": N_("Move asked on"),
    "move_reason": N_("Reason given for moving"),
    "cancel_reason": N_("Reason for cancelling"),
    "due_on": N_("Due on"),
    "due_at": N_("Due on"),
    "target_date": N_("Target date"),
    "done_at": N_("Done on"),
    "done_note": N_("Your note"),
    "proposed_by": N_("Proposed by"),
    "agreed_at": N_("Agreed on"),
    "created_at": N_("Recorded on"),
    "months": N_("Months after the conclusion"),
    "field": N_("Field"),
    "since": N_("Since"),
    "shared": N_("Shared with your counsellor"),
}
# Fields that are machinery, not content: left out of the PDF (kept in the JSON).
TECHNICAL_FIELDS = frozenset(
    {
        "uid",
        "sequence",
        "counsellor_id",
        "reminder_number",
        "remind_at",
        "updated_at",
        "step",
        "run_id",
        "actor_kind",
        "actor_id",
    }
)


# --- shared helpers ------------------------------------------------------------------------


def _instrument(key: str) -> Instrument | None:
    return load_all().get(key)


def _readable(record: Record, locale: str) -> list[dict[str, Any]]:
    """A questionnaire run's answers as written out for reading."""
    instrument = _instrument(record.label)
    answers = record.data.get("answers")
    if instrument is None or not isinstance(answers, dict):
        return []
    return [
        {
            "section": section.title + (f" {section.occurrence}" if section.occurrence else ""),
            "items": [{"question": i.question, "answer": i.answer} for i in section.items],
        }
        for section in recap(instrument, answers, locale)
    ]


def _result_text(record: Record, locale: str) -> str | None:
    instrument = _instrument(record.label)
    result = record.data.get("result")
    if instrument is None or instrument.kind not in SCORED_KINDS or not isinstance(result, dict):
        return None
    try:
        if instrument.kind == "riasec":
            return describe_riasec(RiasecResult.from_dict(result), locale)
        return describe_values(ValuesResult.from_dict(result), locale)
    except (KeyError, TypeError, ValueError):
        return None


def _chart(record: Record, locale: str) -> bytes | None:
    instrument = _instrument(record.label)
    result = record.data.get("result")
    if instrument is None or not isinstance(result, dict):
        return None
    try:
        if instrument.kind == "riasec":
            return riasec_chart_png(RiasecResult.from_dict(result), locale)
        if instrument.kind == "values":
            return values_chart_png(ValuesResult.from_dict(result), locale)
    except (KeyError, TypeError, ValueError):
        return None
    return None


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
    instrument = _instrument(action.removeprefix("read:")) if action.startswith("read:") else None
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


# --- JSON ----------------------------------------------------------------------------------


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _record_json(kind: str, record: Record, locale: str) -> dict[str, Any]:
    data = dict(record.data)
    if kind == "questionnaires":
        instrument = _instrument(record.label)
        data["title"] = instrument.title.get(locale) if instrument else record.label
        data["readable"] = _readable(record, locale)
        text = _result_text(record, locale)
        if text is not None:
            data["result_text"] = text
    return {"at": _iso(record.at), "label": record.label, "data": data}


def dossier_json(dossier: Dossier, locale: str) -> dict[str, Any]:
    """The export as a JSON-ready mapping (shape: ``docs/export-format.md``)."""
    p = dossier.profile
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": _iso(dossier.collected_at),
        "language": locale,
        "person": {
            "name": p.name,
            "status": p.status.value,
            "phase": p.phase.value,
            "locale": p.locale,
            "timezone": p.timezone,
            "invited_at": _iso(p.invited_at),
            "consent_at": _iso(p.consent_at),
            "consent_withdrawn_at": _iso(p.consent_withdrawn_at),
            "concluded_at": _iso(p.concluded_at),
            "last_activity_at": _iso(p.last_activity_at),
        },
        "counsellor": {"name": dossier.counsellor_name},
        "retention": {
            "basis": dossier.retention.basis.value,
            "dossier_until": _iso(dossier.retention.dossier_until),
            "contact_until": _iso(dossier.retention.contact_until),
        },
        "synthesis_agreement": {
            "agreed": dossier.synthesis.agreed,
            "asked_at": _iso(dossier.synthesis.asked_at),
            "answered_at": _iso(dossier.synthesis.answered_at),
        },
        "parts": {
            kind: [_record_json(kind, r, locale) for r in records]
            for kind, records in dossier.parts.items()
        },
        "accesses": [
            {
                "at": _iso(a.at),
                "by": a.actor_kind,
                "name": a.actor_name,
                "action": a.action,
            }
            for a in dossier.accesses
        ],
    }


def build_json(dossier: Dossier, locale: str) -> bytes:
    return json.dumps(dossier_json(dossier, locale), ensure_ascii=False, indent=2).encode("utf-8")


# --- PDF -----------------------------------------------------------------------------------


class _Writer:
    """Small layout helpers over fpdf2, with the project's fonts."""

    def __init__(self, title: str) -> None:
        self.pdf: FPDF = new_pdf(title)

    def title(self, text: str) -> None:
        self.pdf.set_font("DejaVu", "B", 17)
        self.pdf.multi_cell(0, 9, text, new_x="LMARGIN", new_y="NEXT")

    def heading(self, text: str) -> None:
        if self.pdf.get_y() > self.pdf.h - 45:
            self.pdf.add_page()
        self.pdf.ln(5)
        self.pdf.set_font("DejaVu", "B", 14)
        self.pdf.set_text_color(31, 95, 139)
        self.pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_text_color(0, 0, 0)

    def subheading(self, text: str) -> None:
        self.pdf.ln(2)
        self.pdf.set_font("DejaVu", "B", 11.5)
        self.pdf.multi_cell(0, 6.5, text, new_x="LMARGIN", new_y="NEXT")

    def text(self, text: str, size: float = 10.5, style: str = "") -> None:
        self.pdf.set_font("DejaVu", style, size)
        self.pdf.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")

    def pair(self, label: str, value: str) -> None:
        self.text(label, 9.5, "I")
        self.text(value or "—")
        self.pdf.ln(1)

    def image(self, png: bytes) -> None:
        width = self.pdf.w - self.pdf.l_margin - self.pdf.r_margin
        height = width * 0.575  # the charts are 8 x 4.6 inches
        if self.pdf.get_y() + height > self.pdf.h - self.pdf.b_margin:
            self.pdf.add_page()
        self.pdf.image(io.BytesIO(png), w=width)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def _value_text(value: Any, _: Translate, locale: str, timezone: str) -> str:
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


def _about(w: _Writer, d: Dossier, _: Translate, locale: str, tz: str) -> None:
    p = d.profile
    w.heading(_("About you"))
    w.pair(_("Name"), p.name)
    w.pair(_("Your counsellor"), d.counsellor_name)
    status = _(STATUSES[p.status])
    if p.consent_at is not None:
        status += " — " + day_text(p.consent_at, locale, tz)
    w.pair(_("Consent"), status)
    if p.consent_withdrawn_at is not None:
        w.pair(_("Consent withdrawn on"), day_text(p.consent_withdrawn_at, locale, tz))
    w.pair(_("Where your bilan stands"), _(PHASES[p.phase]))
    if p.concluded_at is not None:
        w.pair(_("Concluded on"), day_text(p.concluded_at, locale, tz))
    agreed = d.synthesis.agreed
    if agreed is True:
        keeping = _("kept for one year, with your agreement")
    elif agreed is False:
        keeping = _("not kept (you did not agree)")
    elif d.synthesis.asked_at is not None:
        keeping = _("asked on {date}, not answered yet").format(
            date=day_text(d.synthesis.asked_at, locale, tz)
        )
    else:
        keeping = _("you will be asked once your synthesis is delivered")
    w.pair(_("Keeping your synthesis"), keeping)
    w.pair(_("How long it is kept"), retention_text(d, _, locale, tz))


def _questionnaires(w: _Writer, records: list[Record], _: Translate, locale: str, tz: str) -> None:
    for record in records:
        instrument = _instrument(record.label)
        title = instrument.title.get(locale) if instrument else record.label
        w.heading(title)
        submitted = record.data.get("submitted_at")
        if isinstance(submitted, str):
            when = day_text(datetime.fromisoformat(submitted), locale, tz)
            w.text(_("Sent on {date}").format(date=when), 9.5, "I")
        else:
            w.text(_("In progress, not sent"), 9.5, "I")
        text = _result_text(record, locale)
        if text is not None:
            w.text(text)
            chart = _chart(record, locale)
            if chart is not None:
                w.image(chart)
        for section in _readable(record, locale):
            w.subheading(section["section"])
            for item in section["items"]:
                w.pair(item["question"], item["answer"])


def _job(w: _Writer, d: Dossier, _: Translate) -> None:
    from dialogues.rome import load_rome

    rome = load_rome()
    jobs = d.parts.get("current_job") or []
    job = jobs[0] if jobs else None
    code = _latest_code(d)
    if job is None and code is None:
        return
    w.heading(_("Your job and jobs to explore"))
    if job is not None:
        sheet_code = str(job.data.get("sheet_code"))
        appellation = str(job.data.get("appellation_id"))
        try:
            title = rome.appellation(appellation).title
        except KeyError:
            title = rome.sheet(sheet_code).title if sheet_code in rome else sheet_code
        w.pair(_("Current or last job"), title)
        labels = []
        for skill_id in job.data.get("ticked_skills") or []:
            try:
                labels.append(rome.skill(str(skill_id)).label)
            except KeyError:
                continue
        w.pair(_("Skills you ticked"), "\n".join(f"• {label}" for label in labels) or "—")
    if code is not None:
        w.subheading(_("Jobs to explore from your Holland code {code}").format(code=code))
        pistes = rome.pistes(code, per_page=PISTES_DOMAINS, per_domain=3)
        for domain in pistes.domains:
            titles = "; ".join(s.sheet.title for s in domain.sheets)
            w.pair(domain.label, titles)
    w.text(rome.attribution, 8, "I")


def _latest_code(d: Dossier) -> str | None:
    runs = [
        r
        for r in d.parts.get("questionnaires", [])
        if r.label in RIASEC_KEYS and isinstance(r.data.get("result"), dict)
    ]
    runs.sort(key=lambda r: str(r.data.get("submitted_at") or ""), reverse=True)
    for run in runs:
        code = run.data["result"].get("code")
        if isinstance(code, str) and code:
            return code
    return None


def _generic(
    w: _Writer, kind: str, records: list[Record], _: Translate, locale: str, tz: str
) -> None:
    if kind in JOURNAL_PARTS:
        shared = [r for r in records if r.data.get("shared")]
        private = [r for r in records if not r.data.get("shared")]
        w.heading(part_title(kind, _))
        for label, group in ((_("Shared with your counsellor"), shared), (_("Private"), private)):
            if group:
                w.subheading(label)
                for record in group:
                    when = record.at and when_text(record.at, locale, tz)
                    w.pair(when or "—", str(record.data.get("text", "")))
        return
    if kind == "portfolio":
        _portfolio(w, records, _)
        return
    if kind == "synthesis":
        _synthesis(w, records, _, locale, tz)
        return
    if kind == "enquetes":
        _enquetes(w, records, _)
        return
    w.heading(part_title(kind, _))
    if kind == "messages":
        _messages(w, records, _, locale, tz)
        return
    words = VALUE_WORDS.get(PART_FAMILY.get(kind, kind), {})
    for record in records:
        heading = _record_heading(record, _, locale, tz)
        w.subheading(heading)
        for name, value in record.data.items():
            if name in TECHNICAL_FIELDS or value in (None, "", [], {}):
                continue
            msgid = FIELD_LABELS.get(name)
            label = _(msgid) if msgid else name.replace("_", " ")
            word = words.get(name, {}).get(str(value)) if isinstance(value, str) else None
            shown = _(word) if word else _value_text(value, _, locale, tz)
            if name in ("title", "starts_at") and shown == heading:
                continue  # already the heading
            w.pair(label, shown)


def _record_heading(record: Record, _: Translate, locale: str, tz: str) -> str:
    """What a row is about: its title, else its date ("12 novembre 2026 à 9 h 00")."""
    title = record.data.get("title")
    if isinstance(title, str) and title.strip():
        return title
    starts = record.data.get("starts_at")
    if isinstance(starts, str):
        return _value_text(starts, _, locale, tz)
    return when_text(record.at, locale, tz) if record.at else "—"


PART_FAMILY = {
    "sessions": "counselling_sessions",
    "journal": "journal_entries",
    "plan": "plan_steps",
    "action_plan": "plan_steps",
    "followups": "followup_checkins",
}
"""Parts known under two names (a collector's kind, or the table's)."""
VALUE_WORDS: dict[str, dict[str, dict[str, str]]] = {
    "counselling_sessions": {
        "status": {
            "planned": N_("to come"),
            "done": N_("held"),
            "cancelled": N_("cancelled, not held"),
        },
        "mode": {
            "in_person": N_("in person"),
            "video": N_("video call"),
            "phone": N_("by phone"),
        },
    },
    "tasks": {
        "status": {
            "open": N_("to do"),
            "done": N_("done"),
            "withdrawn": N_("withdrawn by your counsellor"),
        },
    },
    "plan_steps": {
        "state": {
            "proposed": N_("proposed, waiting for your counsellor's agreement"),
            "agreed": N_("agreed"),
        },
        "proposed_by": {"counsellor": N_("your counsellor"), "beneficiary": N_("you")},
    },
    "followup_checkins": {
        "state": {
            "scheduled": N_("to come"),
            "due": N_("waiting for your answer"),
            "answered": N_("answered"),
            "unanswered": N_("not answered"),
        },
    },
}
"""Stored states and kinds in words, per part and field: a person never reads a code."""


PORTFOLIO_KINDS = {
    "savoir_faire": N_("Savoir-faire (what you know how to do)"),
    "savoir_etre": N_("Savoir-être (how you go about things)"),
}
PORTFOLIO_LEVELS = {
    "debutant": N_("beginner"),
    "autonome": N_("independent"),
    "expert": N_("expert"),
}


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


def _enquetes(w: _Writer, records: list[Record], _: Translate) -> None:
    """Contacts shared with the person, then each inquiry with their own words."""
    w.heading(part_title("enquetes", _))
    answers = {"yes": _("yes"), "partly": _("partly"), "no": _("no")}
    for record in records:
        data = record.data
        if record.label == "shared_contact":
            card = data.get("contact")
            if not isinstance(card, dict):
                w.pair(_("Contact shared"), _("a contact since erased"))
                continue
            parts = [card.get(k) for k in ("name", "role", "organisation", "reach", "area")]
            w.pair(_("Contact shared"), " · ".join(str(p) for p in parts if p))
            continue
        w.subheading(str(data.get("title", "")))
        for label, key in (
            (_("Whom you meet"), "own_contact"),
            (_("Your questions"), "questions"),
            (_("Met on"), "met_on"),
            (_("What you learned"), "learned"),
            (_("Next"), "next_step"),
        ):
            if data.get(key):
                w.pair(label, str(data[key]))
        if data.get("confirms") in answers:
            w.pair(_("Confirms your project"), answers[str(data["confirms"])])


def _portfolio(w: _Writer, records: list[Record], _: Translate) -> None:
    w.heading(part_title("portfolio", _))
    w.text(_("★ marks the skills you carry into your project."), 9.5, "I")
    for title, lines in portfolio_lines(records, _):
        w.subheading(title)
        for line in lines:
            w.text(line)


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


def _synthesis(w: _Writer, records: list[Record], _: Translate, locale: str, tz: str) -> None:
    w.heading(part_title("synthesis", _))
    for record in records:
        for line in synthesis_lines(record.data, _, locale, tz):
            w.text(line)


def _messages(w: _Writer, records: list[Record], _: Translate, locale: str, tz: str) -> None:
    """One line per message: when, what kind, to whom, where it stands (no content)."""
    statuses = {
        "pending": _("to be sent"),
        "held": _("on hold"),
        "claimed": _("being sent"),
        "sent": _("sent"),
        "cancelled": _("cancelled"),
        "failed": _("could not be sent"),
    }
    for record in records:
        when = when_text(record.at, locale, tz) if record.at else "—"
        to = _("to you") if record.data.get("to") == "you" else _("to your counsellor")
        status = str(record.data.get("status", ""))
        what = _(MESSAGE_KINDS.get(record.label, N_("a message")))
        where = statuses.get(status) or _("state unknown")
        w.text(f"• {when} — {what} — {to} — {where}", 9.5)


MESSAGE_KINDS = {
    "notice": N_("a message from the bot"),
    "unreachable_notice": N_("a notice that you could not be reached"),
    "session_notice": N_("a session scheduled, moved or cancelled"),
    "session_notice_soon": N_("a session scheduled, moved or cancelled"),
    "session_reminder": N_("a session reminder"),
    "session_reminder_soon": N_("a session reminder"),
    "session_reminder_1h": N_("a session reminder"),
    "session_move_request": N_("your request to move a session"),
    "session_move_request_soon": N_("your request to move a session"),
    "task_assigned": N_("a new task"),
    "task_reminder": N_("a task reminder"),
    "followup_invite": N_("an invitation to a follow-up check-in"),
    "followup_talk": N_("your wish to talk with your counsellor"),
    "instrument_submitted": N_("a questionnaire you sent"),
    "plan_step_proposed": N_("a step you proposed for your plan"),
    "phase_changed": N_("a change of phase of your bilan"),
    "digest": N_("a digest for your counsellor"),
    "synthesis_review": N_("your synthesis to review"),
    "synthesis_final": N_("your final synthesis"),
    "synthesis_retention": N_("the question on keeping your synthesis"),
    "synthesis_comment": N_("your comment on your synthesis"),
    "synthesis_agreed": N_("your agreement to your synthesis"),
    "synthesis_retention_answered": N_("your answer on keeping your synthesis"),
}
"""Each kind of message the bot sends, as the person would name it."""


def _accesses(w: _Writer, d: Dossier, _: Translate, locale: str, tz: str) -> None:
    w.heading(_("Who opened your data"))
    if not d.accesses:
        w.text(_("Nobody but you has opened your data."))
    for access in d.accesses:
        w.text("• " + access_text(access, _, locale, tz))


def ordered_parts(dossier: Dossier) -> list[str]:
    def rank(kind: str) -> tuple[int, str]:
        if kind == "messages":
            return (len(PART_ORDER) + 1, kind)
        return (PART_ORDER.index(kind) if kind in PART_ORDER else len(PART_ORDER), kind)

    return sorted(dossier.parts, key=rank)


def build_pdf(dossier: Dossier, locale: str, timezone: str) -> bytes:
    """The readable copy, in the person's language and time zone."""
    _ = gettext_for(locale)
    title = _("My data — bilan de compétences companion")
    w = _Writer(title)
    w.title(title)
    exported = when_text(dossier.collected_at, locale, timezone)
    w.text(
        _("{name} — copy made on {when}").format(name=dossier.profile.name, when=exported),
        10,
        "I",
    )
    w.text(
        _(
            "Everything the bot keeps about you. Results are starting points for a "
            "conversation with your counsellor, never verdicts."
        ),
        9.5,
    )
    _about(w, dossier, _, locale, timezone)
    _questionnaires(w, dossier.parts.get("questionnaires", []), _, locale, timezone)
    _job(w, dossier, _)
    for kind in ordered_parts(dossier):
        if kind not in ("questionnaires", "current_job"):
            _generic(w, kind, dossier.parts[kind], _, locale, timezone)
    _accesses(w, dossier, _, locale, timezone)
    w.pdf.ln(6)
    w.text(
        _(
            "Confidential. Only you and your counsellor, bound by professional secrecy, can "
            "read these answers in the bot. A machine-readable copy comes with this file "
            "(JSON)."
        ),
        8,
        "I",
    )
    return w.output()


def page_count(pdf: bytes) -> int:
    """Pages of a PDF this module made (for tests and measurements)."""
    import re

    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def file_names(dossier: Dossier) -> tuple[str, str]:
    """Names of the two files: no personal name in them, the date only."""
    day = dossier.collected_at.strftime("%Y-%m-%d")
    return f"mes-donnees-{day}.pdf", f"mes-donnees-{day}.json"
