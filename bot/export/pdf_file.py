"""The readable copy (PDF): the dossier part by part, in the person's language and zone.

Parts this module does not know (a table added later, exported by the
generic discovery of :mod:`storage.rights`) still print, as fields and
values, so nothing kept is left out of the copy.
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.export.answers import RIASEC_KEYS, chart_png, instrument_of, readable, result_text
from bot.export.labels import (
    FIELD_LABELS,
    JOURNAL_PARTS,
    MESSAGE_KINDS,
    PART_FAMILY,
    PART_ORDER,
    PHASES,
    STATUSES,
    TECHNICAL_FIELDS,
    VALUE_WORDS,
)
from bot.export.pdf_layout import Writer
from bot.export.sentences import (
    access_text,
    day_text,
    part_title,
    portfolio_lines,
    record_heading,
    retention_text,
    synthesis_lines,
    value_text,
    when_text,
)
from bot.i18n import N_, Translate, gettext_for
from storage.rights import Dossier, Record

PISTES_DOMAINS = 5


def _about(w: Writer, d: Dossier, _: Translate, locale: str, tz: str) -> None:
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


def _questionnaires(w: Writer, records: list[Record], _: Translate, locale: str, tz: str) -> None:
    for record in records:
        instrument = instrument_of(record.label)
        title = instrument.title.get(locale) if instrument else record.label
        w.heading(title)
        submitted = record.data.get("submitted_at")
        if isinstance(submitted, str):
            when = day_text(datetime.fromisoformat(submitted), locale, tz)
            w.text(_("Sent on {date}").format(date=when), 9.5, "I")
        else:
            w.text(_("In progress, not sent"), 9.5, "I")
        text = result_text(record, locale)
        if text is not None:
            w.text(text)
            chart = chart_png(record, locale)
            if chart is not None:
                w.image(chart)
        for section in readable(record, locale):
            w.subheading(section["section"])
            for item in section["items"]:
                w.pair(item["question"], item["answer"])


def _job(w: Writer, d: Dossier, _: Translate) -> None:
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
    w: Writer, kind: str, records: list[Record], _: Translate, locale: str, tz: str
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
        heading = record_heading(record, _, locale, tz)
        w.subheading(heading)
        for name, value in record.data.items():
            if name in TECHNICAL_FIELDS or value in (None, "", [], {}):
                continue
            msgid = FIELD_LABELS.get(name)
            label = _(msgid) if msgid else name.replace("_", " ")
            word = words.get(name, {}).get(str(value)) if isinstance(value, str) else None
            shown = _(word) if word else value_text(value, _, locale, tz)
            if name in ("title", "starts_at") and shown == heading:
                continue  # already the heading
            w.pair(label, shown)


def _enquetes(w: Writer, records: list[Record], _: Translate) -> None:
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


def _portfolio(w: Writer, records: list[Record], _: Translate) -> None:
    w.heading(part_title("portfolio", _))
    w.text(_("★ marks the skills you carry into your project."), 9.5, "I")
    for title, lines in portfolio_lines(records, _):
        w.subheading(title)
        for line in lines:
            w.text(line)


def _synthesis(w: Writer, records: list[Record], _: Translate, locale: str, tz: str) -> None:
    w.heading(part_title("synthesis", _))
    for record in records:
        for line in synthesis_lines(record.data, _, locale, tz):
            w.text(line)


def _messages(w: Writer, records: list[Record], _: Translate, locale: str, tz: str) -> None:
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


def _accesses(w: Writer, d: Dossier, _: Translate, locale: str, tz: str) -> None:
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
    w = Writer(title)
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
    return len(re.findall(rb"/Type\s*/Page\b", pdf))
