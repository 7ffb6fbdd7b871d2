"""How contacts, guides and inquiry reports read, for the counsellor and the beneficiary.

Shared by :mod:`bot.features.contacts` (the counsellor's side) and
:mod:`bot.features.enquetes` (the beneficiary's), so that a contact's card,
a report and the guide read the same wherever they are shown. Each reader in
their own voice: the counsellor reads "Paul a rencontré…", the beneficiary
"Vous avez rencontré…".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from babel.dates import format_date
from telegram import InlineKeyboardMarkup

from bot.i18n import Translate, gettext_for, ngettext_for
from bot.keyboards import button
from bot.kit.screens import e
from bot.moments import when_text
from bot.outbox_kinds import OutgoingMessage
from bot.replies import chunk_lines
from dialogues.enquete import Guide
from dialogues.rome import load_rome
from storage.contacts import Contact, ContactKind, Share
from storage.enquetes import Confirms, Counts, Inquiry


def kind_label(kind: ContactKind, _: Translate) -> str:
    labels = {
        ContactKind.PROFESSIONAL: _("👤 A professional"),
        ContactKind.COMPANY: _("🏢 A company"),
        ContactKind.TRAINING: _("🎓 A training body"),
        ContactKind.TUTOR: _("🧭 A tutor"),
        ContactKind.PLATEAU: _("🛠 A plateau technique (workshop to visit)"),
    }
    return labels[kind]


def confirms_label(confirms: Confirms | None, _: Translate) -> str:
    if confirms is None:
        return "—"
    return {
        Confirms.YES: _("yes"),
        Confirms.PARTLY: _("partly"),
        Confirms.NO: _("no"),
    }[confirms]


def day_text_of(day: date, locale: str) -> str:
    return format_date(day, "d MMMM y", locale=locale)


def day_text(inquiry: Inquiry, locale: str) -> str:
    return "—" if inquiry.met_on is None else day_text_of(inquiry.met_on, locale)


def contact_lines(contact: Contact, locale: str, *, full: bool = False) -> list[str]:
    """The contact's card: who, how to reach them, what to mention; the file's facts if ``full``."""
    _ = gettext_for(locale)
    who = ", ".join(x for x in (contact.role, contact.organisation) if x)
    lines = [f"<b>{e(contact.name)}</b>" + (f" — {e(who)}" if who else "")]
    lines.append(kind_label(contact.kind, _))
    lines.append(_("📞 How to reach: {reach}").format(reach=e(contact.reach)))
    if contact.area:
        lines.append(_("📍 Area: {area}").format(area=e(contact.area)))
    if contact.mention:
        lines.append(_("💬 Mention: {mention}").format(mention=e(contact.mention)))
    if full:
        rome = load_rome()
        for code in contact.rome_codes:
            title = rome.sheet(code).title if code in rome else ""
            lines.append(f"🔎 {code} {e(title)}")
        lines.append(
            _("✅ Agreed on {date}: {how}").format(
                date=format_date(contact.agreed_on, "d MMMM y", locale=locale),
                how=e(contact.agreed_how),
            )
        )
    return lines


def shared_message(share: Share, locale: str) -> OutgoingMessage:
    """What the beneficiary receives when their counsellor shares a contact."""
    _ = gettext_for(locale)
    assert share.contact is not None
    lines = [
        _("🤝 Your counsellor shared a contact with you, for an enquête métier:"),
        "",
        *contact_lines(share.contact, locale),
        "",
        _(
            "Get in touch when it suits you; /enquetes helps you prepare the meeting "
            "and note what you learn."
        ),
    ]
    keyboard = InlineKeyboardMarkup(
        [[button(_("🔎 Prepare an enquête with this contact"), f"en:ns:{share.id}")]]
    )
    return OutgoingMessage("\n".join(lines), keyboard=keyboard)


def with_whom(inquiry: Inquiry, _: Translate) -> str:
    if inquiry.share is not None:
        if inquiry.share.contact is None:
            return _("a contact from the organisation's file (since erased)")
        return inquiry.share.contact.name
    return inquiry.own_contact or "—"


def report_lines(inquiry: Inquiry, locale: str, *, counsellor: bool) -> list[str]:
    """One report, in full."""
    _ = gettext_for(locale)
    lines = [
        f"<b>{e(inquiry.title)}</b> — {day_text(inquiry, locale)}",
        _("With: {who}").format(who=e(with_whom(inquiry, _))),
        _("Confirms the project: {answer}").format(answer=confirms_label(inquiry.confirms, _)),
    ]
    if inquiry.learned:
        lines.append(_("What was learned: “{text}”").format(text=e(inquiry.learned)))
    if inquiry.next_step:
        lines.append(_("Next: “{text}”").format(text=e(inquiry.next_step)))
    return lines


def report_chunks(
    name: str, reports: Sequence[Inquiry], counts: Counts, locale: str, timezone: str
) -> list[str]:
    """The counsellor's reading of one person's reports, in messages short enough to send."""
    _ = gettext_for(locale)
    ngettext = ngettext_for(locale)
    lines = [_("<b>Enquêtes métiers of {name}</b>").format(name=e(name))]
    lines.append(
        ngettext("{count} reported", "{count} reported", counts.reported).format(
            count=counts.reported
        )
        + " · "
        + ngettext("{count} in preparation", "{count} in preparation", counts.preparing).format(
            count=counts.preparing
        )
    )
    for inquiry in reports:
        lines.append("")
        lines += report_lines(inquiry, locale, counsellor=True)
    return chunk_lines(lines)


def status_lines(title: str, inquiry: Inquiry, locale: str, timezone: str) -> list[str]:
    """Where one inquiry in preparation stands: the métier, whom, when."""
    _ = gettext_for(locale)
    lines = [f"<b>{e(title)}</b> — {e(inquiry.title)}", ""]
    lines.append(_("With: {who}").format(who=e(with_whom(inquiry, _))))
    if inquiry.share is not None and inquiry.share.contact is not None:
        lines += contact_lines(inquiry.share.contact, locale)[1:]
    if inquiry.meeting_at is not None:
        when = when_text(inquiry.meeting_at, locale, timezone)
        lines.append(_("📅 Meeting: {when} (I will remind you the day before)").format(when=when))
    return lines


def questions_lines(inquiry: Inquiry, locale: str) -> list[str]:
    _ = gettext_for(locale)
    return ["", _("<b>Your questions</b>"), e(inquiry.questions)] if inquiry.questions else []


def guide_lines(guide: Guide, inquiry: Inquiry, locale: str, timezone: str) -> list[str]:
    """The guide for one inquiry: our questions, the sheet's prompts, and where it stands."""
    lines = status_lines(guide.title, inquiry, locale, timezone)
    lines += ["", e(guide.intro)]
    for theme in guide.themes:
        lines += ["", f"<b>{e(theme.title)}</b>"]
        lines += [f"• {e(q)}" for q in theme.questions]
    if guide.skills:
        lines += ["", f"<b>{e(guide.skills_heading)}</b>"]
        lines += [f"• {e(s)}" for s in guide.skills]
    if guide.contexts:
        lines += ["", f"<b>{e(guide.contexts_heading)}</b>"]
        lines += [f"• {e(c)}" for c in guide.contexts]
    lines += questions_lines(inquiry, locale)
    lines += ["", f"<i>{e(guide.source)}</i>"]
    return lines
