"""What the counsellor reads of the resource file: the file, a contact, each typed step,
and a beneficiary's reports with the contacts matching what they explore.

Every screen is HTML with its links folded (:func:`page`): contacts carry
addresses, phone numbers and e-mails, which should not unfold into previews.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton

from bot.features.enquetes import views
from bot.i18n import Translate, ngettext_for
from bot.keyboards import button
from bot.kit.refusals import words_for
from bot.kit.screens import Screen, e
from bot.kit.screens import page as page  # this feature's screens fold their links
from bot.runtime import Caller
from dialogues.rome import load_rome
from dialogues.typography import shorten
from storage import contacts as store
from storage import enquetes
from storage.actors import CounsellorActor
from storage.contacts import Contact, ContactKind, ContactRefused
from storage.people import get_beneficiary
from storage.responses import RunStatus, runs_of

TITLE_MATCHES = 6
EDITABLE = ("name", "role", "org", "reach", "area", "mention", "how", "metiers")
"""The fields a counsellor may retype, in the order of their buttons (``ct:e:<id>:<field>``)."""


def ask(field: str, _: Translate) -> str:
    """The question of a typed step."""
    prompts = {
        "name": _("Type the contact's name (a person or a place)."),
        "role": _("Type their role or job title (or “-” to leave it empty)."),
        "org": _("Type their company or organisation (or “-” to leave it empty)."),
        "reach": _("Type how to reach them: phone, e-mail, address, best time."),
        "area": _("Type the area they work in, e.g. a town (or “-” to leave it empty)."),
        "mention": _(
            "Type what the person should mention when getting in touch, e.g. "
            "“on behalf of the bilan centre” (or “-” to leave it empty)."
        ),
        "how": _(
            "How did they agree to be contacted? Type the way, e.g. “by phone with me”. "
            "Their agreement is recorded with today's date."
        ),
        "metiers": _(
            "Type a job title or a ROME code (e.g. J1506) they can speak about. "
            "Several codes can be typed together."
        ),
    }
    return prompts[field] + "\n" + _("/annuler to stop.")


@words_for(ContactRefused)
def refusal_text(refused: ContactRefused, _: Translate) -> str:
    """What a counsellor reads when the file refuses a typed field."""
    reason = refused.reason
    if reason.startswith("rome:"):
        return _("⚠️ {code} is not a ROME code I know.").format(code=e(reason[5:]))
    if reason.startswith("too_long"):
        return _("⚠️ That is too long: a few words are enough.")
    if reason == "metiers":
        return _("⚠️ Twelve métiers at most.")
    return _("⚠️ This cannot be empty.")


def file_screen(contacts: list[Contact], caller: Caller, note: str = "") -> Screen:
    """``/contacts``: how many, and a button per contact (the first thirty)."""
    _ = caller._
    ngettext = ngettext_for(caller.locale)
    lines = [
        "<b>" + _("The resource-person file") + "</b>",
        ngettext("{count} contact", "{count} contacts", len(contacts)).format(count=len(contacts)),
        _("Shared one at a time with a beneficiary, from their card; never browsed by them."),
    ]
    rows = [[button(_("➕ Add a contact"), "ct:new")]]
    for contact in contacts[:30]:
        codes = " ".join(contact.rome_codes[:3])
        rows.append([button(shorten(f"{contact.name} · {codes}", 60), f"ct:v:{contact.id}")])
    text = "\n".join(lines)
    return page(note + "\n\n" + text if note else text, rows)


def contact_screen(contact: Contact, caller: Caller, note: str = "") -> Screen:
    """One contact, in full, with a button per field to retype and one to erase it."""
    _ = caller._
    lines = ([note, ""] if note else []) + views.contact_lines(contact, caller.locale, full=True)
    labels = {
        "name": _("Name"),
        "role": _("Role"),
        "org": _("Organisation"),
        "reach": _("How to reach"),
        "area": _("Area"),
        "mention": _("What to mention"),
        "how": _("Agreement"),
        "metiers": _("Métiers"),
    }
    edits = [button("✏️ " + labels[f], f"ct:e:{contact.id}:{f}") for f in EDITABLE]
    rows = [edits[i : i + 2] for i in range(0, len(edits), 2)]
    rows.append([button(_("🗑 Erase this contact"), f"ct:x:{contact.id}")])
    rows.append([button(_("◀ The file"), "ct:l")])
    return page("\n".join(lines), rows)


def erase_screen(contact: Contact, _: Translate) -> Screen:
    """Erase? — the contact asked for it; what disappears, and what stays."""
    text = _(
        "Erase {name} from the file, at their request? Their details disappear from "
        "every card they were shared on; the beneficiaries' own notes stay theirs."
    ).format(name=e(contact.name))
    rows = [
        [
            button(_("🗑 Yes, erase"), f"ct:xy:{contact.id}"),
            button(_("◀ No, keep"), f"ct:v:{contact.id}"),
        ]
    ]
    return page(text, rows)


def erased_note(shares: int, caller: Caller) -> str:
    ngettext = ngettext_for(caller.locale)
    return ngettext(
        "Erased. Its details are gone from {count} card.",
        "Erased. Its details are gone from {count} cards.",
        shares,
    ).format(count=shares)


def kind_screen(_: Translate) -> Screen:
    rows = [[button(views.kind_label(kind, _), f"ct:k:{kind.value}")] for kind in ContactKind]
    return page(_("Who is the new contact?"), rows)


def title_screen(typed: str, caller: Caller) -> Screen:
    """The ROME titles close to what was typed, to pick one."""
    _ = caller._
    matches = load_rome().search_appellations(typed, limit=TITLE_MATCHES)
    if not matches:
        return page(_("I found no job title close to that. Try other words or a ROME code."))
    rows = [[button(shorten(f"{a.title} ({a.code})", 60), f"ct:mt:{a.id}")] for a in matches]
    return page(_("Which of these métiers?"), rows)


def metiers_screen(data: dict[str, Any], caller: Caller) -> Screen:
    """The métiers of the draft so far, and the button to finish the step."""
    _ = caller._
    rome = load_rome()
    codes = [str(c) for c in data.get("rome_codes") or []]
    lines = [_("Métiers so far:")]
    lines += [f"• {c} {e(rome.sheet(c).title)}" for c in codes if c in rome]
    lines += ["", _("Type another job title or code, or finish.")]
    return page("\n".join(lines), [[button(_("✅ That is all"), "ct:md")]])


def shared_text(contact: str, person: str, new: bool, _: Translate) -> str:
    return (
        _("🤝 {contact} is shared: {name} receives the card now.")
        if new
        else _("{contact} was already shared with {name}.")
    ).format(contact=e(contact), name=e(person))


async def _explored_codes(
    session: AsyncSession, actor: CounsellorActor, beneficiary_id: int
) -> list[str]:
    """What the person explores: their inquiries' métiers, then the pistes of their code."""
    codes = await enquetes.rome_codes_of(session, actor, beneficiary_id)
    for run in await runs_of(session, actor, beneficiary_id):
        result = run.result if run.status == RunStatus.SUBMITTED else None
        code = result.get("code") if isinstance(result, dict) else None
        if run.instrument_key.startswith("riasec") and isinstance(code, str) and code:
            found = load_rome().pistes(code, per_page=6)
            codes += [piste.sheet.code for domain in found.domains for piste in domain.sheets]
            break
    return list(dict.fromkeys(codes))


async def beneficiary_screens(
    session: AsyncSession, caller: Caller, actor: CounsellorActor, beneficiary_id: int
) -> list[Screen]:
    """From their card: their reports, then what was shared and the contacts that match."""
    _ = caller._
    person = await get_beneficiary(session, actor, beneficiary_id)
    reports = await enquetes.reports_of(session, actor, beneficiary_id)
    counts = await enquetes.counts_of(session, actor, beneficiary_id)
    shares = await store.shares_of(session, actor, beneficiary_id)
    matches = await store.match_contacts(
        session, actor, await _explored_codes(session, actor, beneficiary_id), limit=8
    )
    screens = [
        page(chunk)
        for chunk in views.report_chunks(
            person.name, reports, counts, caller.locale, actor.timezone
        )
    ]
    shared_ids = {s.contact.id for s in shares if s.contact is not None}
    lines = [_("<b>Contacts for {name}</b>").format(name=e(person.name))]
    for share in shares:
        label = share.contact.name if share.contact else _("a contact since erased")
        lines.append("✅ " + _("shared: {contact}").format(contact=e(label)))
    rows: list[list[InlineKeyboardButton]] = []
    rome = load_rome()
    for match in matches:
        if match.contact.id in shared_ids:
            continue
        title = rome.sheet(match.rome_code).title if match.rome_code in rome else match.rome_code
        level = (_("same job"), _("same field"), _("same broad field"))[match.level]
        lines.append(f"• <b>{e(match.contact.name)}</b> — {e(shorten(title, 50))} ({level})")
        rows.append(
            [
                button(
                    shorten(_("🤝 Share {name}").format(name=match.contact.name), 60),
                    f"ct:s:{beneficiary_id}:{match.contact.id}:{match.rome_code}",
                )
            ]
        )
    if not matches:
        lines.append(
            _(
                "No contact of the file matches the métiers {name} explores yet "
                "(their inquiries and the pistes of their interests)."
            ).format(name=e(person.name))
        )
    rows.append([button(_("◀ Back to the card"), f"c:{beneficiary_id}")])
    screens.append(page("\n".join(lines), rows))
    return screens
