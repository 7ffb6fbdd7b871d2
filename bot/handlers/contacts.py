"""The resource file in Telegram, on the counsellor's side: keep it, and share from it.

``/contacts`` lists the organisation's file; a counsellor adds a contact in
four typed steps (kind, name, how to reach them, the métiers they speak about,
how they agreed: no contact without it), opens one to edit a field, or erases
it on the contact's request. From a beneficiary's card ("🤝 Enquêtes
métiers"), the counsellor reads that person's reports, and sees the contacts
matching the métiers the person explores (same ROME code first, then the same
domain); sharing one queues the contact's card for the person through the
outbox. The beneficiary never browses the file.

The draft of a contact being typed lives in the counsellor's dialogue row
(``storage.sessions``), encrypted, so a restart loses nothing.

Callback grammar (all under ``ct:``)::

    ct:l                        the file
    ct:new  ct:k:<kind>         add: choose the kind, then type
    ct:mt:<ogr>  ct:md          the métier step: pick a title / done with métiers
    ct:v:<id>  ct:e:<id>:<f>    open a contact / retype one field
    ct:x:<id>  ct:xy:<id>       erase? / yes, erase
    ct:b:<ben>                  a beneficiary's inquiries and matching contacts
    ct:s:<ben>:<id>[:<code>]    share a contact with them
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, Update

from bot.features.card.gate import counsellor_caller
from bot.features.enquetes import views
from bot.handler_screens import answer_stale, edit_screen, send_screen
from bot.i18n import N_, Translate, ngettext_for
from bot.keyboards import button
from bot.kit.door import Flow
from bot.kit.screens import Screen, Stale, e
from bot.kit.screens import count as number
from bot.kit.typed import DRAFT_TEXT_WAIT, typed_text
from bot.outbox_kinds import OutgoingMessage, RenderContext, register
from bot.runtime import Caller, Context, wake_dispatcher, work
from dialogues.rome import load_rome
from dialogues.typography import shorten
from storage import contacts as store
from storage import enquetes, outbox
from storage import sessions as dialogue
from storage.actors import AccessDenied, CounsellorActor
from storage.contacts import Contact, ContactFields, ContactKind, ContactRefused
from storage.models import utcnow
from storage.outbox import ClaimedMessage
from storage.people import get_beneficiary
from storage.responses import RunStatus, runs_of

log = logging.getLogger(__name__)

CALLBACK_PATTERN = r"^ct:"
COMMANDS = [("contacts", N_("The resource-person file: add, edit, erase"))]
FLOW = "contact"
SHARED_KIND = store.SHARED_KIND
TITLE_MATCHES = 6
EDITABLE = ("name", "role", "org", "reach", "area", "mention", "how", "metiers")
_FIELD_OF = {"org": "organisation", "how": "agreed_how", "metiers": "rome_codes"}


def _ask(field: str, _: Translate) -> str:
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


def _fields(data: dict[str, Any]) -> ContactFields:
    return ContactFields(
        kind=ContactKind(str(data.get("kind", "professional"))),
        name=str(data.get("name") or ""),
        reach=str(data.get("reach") or ""),
        agreed_on=date.fromisoformat(str(data.get("agreed_on") or utcnow().date().isoformat())),
        agreed_how=str(data.get("agreed_how") or ""),
        rome_codes=tuple(str(c) for c in data.get("rome_codes") or ()),
        role=data.get("role"),
        organisation=data.get("organisation"),
        area=data.get("area"),
        mention=data.get("mention"),
    )


def _as_data(contact: Contact) -> dict[str, Any]:
    f = contact.fields()
    return {
        "contact_id": contact.id,
        "kind": f.kind.value,
        "name": f.name,
        "reach": f.reach,
        "agreed_on": f.agreed_on.isoformat(),
        "agreed_how": f.agreed_how,
        "rome_codes": list(f.rome_codes),
        "role": f.role,
        "organisation": f.organisation,
        "area": f.area,
        "mention": f.mention,
    }


def _refusal(refused: ContactRefused, _: Translate) -> str:
    reason = refused.reason
    if reason.startswith("rome:"):
        return _("⚠️ {code} is not a ROME code I know.").format(code=e(reason[5:]))
    if reason.startswith("too_long"):
        return _("⚠️ That is too long: a few words are enough.")
    if reason == "metiers":
        return _("⚠️ Twelve métiers at most.")
    return _("⚠️ This cannot be empty.")


def _file_screen(contacts: list[Contact], caller: Caller) -> Screen:
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
    return Screen("\n".join(lines), rows)


def _contact_screen(contact: Contact, caller: Caller, note: str = "") -> Screen:
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
    return Screen("\n".join(lines), rows)


async def _explored_codes(
    session: AsyncSession, actor: CounsellorActor, beneficiary_id: int
) -> list[str]:
    """What the person explores: their inquiries' métiers, then the pistes of their code."""
    codes = await enquetes.rome_codes_of(session, actor, beneficiary_id)
    for run in await runs_of(session, actor, beneficiary_id):
        result = run.result if run.status == RunStatus.SUBMITTED else None
        code = result.get("code") if isinstance(result, dict) else None
        if run.instrument_key.startswith("riasec") and isinstance(code, str) and code:
            page = load_rome().pistes(code, per_page=6)
            codes += [piste.sheet.code for domain in page.domains for piste in domain.sheets]
            break
    return list(dict.fromkeys(codes))


async def _beneficiary_screen(
    session: AsyncSession, caller: Caller, actor: CounsellorActor, beneficiary_id: int
) -> list[Screen]:
    _ = caller._
    person = await get_beneficiary(session, actor, beneficiary_id)
    reports = await enquetes.reports_of(session, actor, beneficiary_id)
    counts = await enquetes.counts_of(session, actor, beneficiary_id)
    shares = await store.shares_of(session, actor, beneficiary_id)
    matches = await store.match_contacts(
        session, actor, await _explored_codes(session, actor, beneficiary_id), limit=8
    )
    screens = [
        Screen(chunk)
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
    screens.append(Screen("\n".join(lines), rows))
    return screens


def _kind_screen(_: Translate) -> Screen:
    rows = [[button(views.kind_label(kind, _), f"ct:k:{kind.value}")] for kind in ContactKind]
    return Screen(_("Who is the new contact?"), rows)


def _title_screen(typed: str, caller: Caller) -> Screen:
    _ = caller._
    matches = load_rome().search_appellations(typed, limit=TITLE_MATCHES)
    if not matches:
        return Screen(_("I found no job title close to that. Try other words or a ROME code."))
    rows = [[button(shorten(f"{a.title} ({a.code})", 60), f"ct:mt:{a.id}")] for a in matches]
    return Screen(_("Which of these métiers?"), rows)


def _metiers_screen(data: dict[str, Any], caller: Caller) -> Screen:
    _ = caller._
    rome = load_rome()
    codes = [str(c) for c in data.get("rome_codes") or []]
    lines = [_("Métiers so far:")]
    lines += [f"• {c} {e(rome.sheet(c).title)}" for c in codes if c in rome]
    lines += ["", _("Type another job title or code, or finish.")]
    return Screen("\n".join(lines), [[button(_("✅ That is all"), "ct:md")]])


async def _save(
    session: AsyncSession, caller: Caller, actor: CounsellorActor, data: dict[str, Any]
) -> Screen:
    """The draft's contact, added or edited; the dialogue ends."""
    codes = [s.code for s in load_rome().sheets()]
    contact_id = data.get("contact_id")
    if isinstance(contact_id, int):
        contact = await store.update_contact(
            session, actor, contact_id, _fields(data), known_codes=codes
        )
        note = caller._("✅ Saved.")
    else:
        contact = await store.add_contact(session, actor, _fields(data), known_codes=codes)
        note = caller._("✅ Added to the file.")
    await dialogue.end_dialogue(session, actor, flows=[FLOW])
    return _contact_screen(contact, caller, note)


_NEXT = {"name": "reach", "reach": "metiers", "metiers": "how"}


async def _typed(
    session: AsyncSession, caller: Caller, actor: CounsellorActor, draft: Any, text: str
) -> Screen:
    _ = caller._
    data = dict(draft.data)
    field = draft.step.removeprefix("e_")
    editing = draft.step.startswith("e_")
    value: str | None = text.strip()
    if value == "-" and field in ("role", "org", "area", "mention"):
        value = None
    if field == "metiers":
        words = (value or "").upper().replace(",", " ").split()
        if words and all(store.ROME_CODE.fullmatch(w) for w in words):
            try:
                codes = store.check_rome_codes(
                    [*data.get("rome_codes", []), *words], (s.code for s in load_rome().sheets())
                )
            except ContactRefused as refused:
                return Screen(_refusal(refused, _))
            data["rome_codes"] = list(codes)
            await dialogue.save_dialogue(session, actor, FLOW, draft.step, data)
            return _metiers_screen(data, caller)
        return _title_screen(value or "", caller)
    data[_FIELD_OF.get(field, field)] = value
    if field == "how":
        data["agreed_on"] = utcnow().date().isoformat()
    limit = store.NAME_MAX if field == "name" else store.TEXT_MAX
    try:
        if value is not None and len(" ".join(value.split())) > limit:
            raise ContactRefused(f"too_long:{field}")
        if not value and field in ("name", "reach", "how"):
            raise ContactRefused("empty")
    except ContactRefused as refused:
        return Screen(_refusal(refused, _) + "\n" + _ask(field, _))
    if editing or field == "how":
        return await _save(session, caller, actor, data)
    step = _NEXT[field]
    await dialogue.save_dialogue(session, actor, FLOW, step, data)
    return Screen(_ask(step, _))


async def _press(
    caller: Caller, actor: CounsellorActor, data: str, context: Context
) -> list[Screen]:
    parts = data.split(":")
    kind, args = parts[1], parts[2:]
    _ = caller._
    async with work(context) as session:
        if kind == "l" and not args:
            return [_file_screen(await store.list_contacts(session, actor), caller)]
        if kind == "new" and not args:
            return [_kind_screen(_)]
        if kind == "k" and len(args) == 1:
            chosen = ContactKind(args[0])
            await dialogue.save_dialogue(session, actor, FLOW, "name", {"kind": chosen.value})
            return [Screen(_ask("name", _))]
        if kind == "v" and len(args) == 1:
            return [
                _contact_screen(await store.get_contact(session, actor, number(args[0])), caller)
            ]
        if kind == "e" and len(args) == 2 and args[1] in EDITABLE:
            contact = await store.get_contact(session, actor, number(args[0]))
            draft = _as_data(contact)
            if args[1] == "metiers":
                draft["rome_codes"] = []
            await dialogue.save_dialogue(session, actor, FLOW, f"e_{args[1]}", draft)
            return [Screen(_ask(args[1], _))]
        if kind in ("mt", "md"):
            draft_row = await dialogue.current_dialogue(
                session, actor, flows=[FLOW], max_age=DRAFT_TEXT_WAIT
            )
            if draft_row is None or not draft_row.step.endswith("metiers"):
                raise Stale("no métier step")
            draft = dict(draft_row.data)
            if kind == "mt" and len(args) == 1:
                code = load_rome().appellation(args[0]).code
                draft["rome_codes"] = list(dict.fromkeys([*draft.get("rome_codes", []), code]))
                await dialogue.save_dialogue(session, actor, FLOW, draft_row.step, draft)
                return [_metiers_screen(draft, caller)]
            if not draft.get("rome_codes"):
                return [Screen(_ask("metiers", _))]
            if draft_row.step.startswith("e_"):
                return [await _save(session, caller, actor, draft)]
            await dialogue.save_dialogue(session, actor, FLOW, "how", draft)
            return [Screen(_ask("how", _))]
        if kind == "x" and len(args) == 1:
            contact = await store.get_contact(session, actor, number(args[0]))
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
            return [Screen(text, rows)]
        if kind == "xy" and len(args) == 1:
            shares = await store.erase_contact(session, actor, number(args[0]))
            ngettext = ngettext_for(caller.locale)
            note = ngettext(
                "Erased. Its details are gone from {count} card.",
                "Erased. Its details are gone from {count} cards.",
                shares,
            ).format(count=shares)
            file = _file_screen(await store.list_contacts(session, actor), caller)
            return [Screen(note + "\n\n" + file.text, file.rows)]
        if kind == "b" and len(args) == 1:
            return await _beneficiary_screen(session, caller, actor, number(args[0]))
        if kind == "s" and len(args) in (2, 3):
            beneficiary_id, contact_id = number(args[0]), number(args[1])
            matched = args[2] if len(args) == 3 else None
            share, new = await store.share_contact(
                session, actor, beneficiary_id, contact_id, rome_code=matched
            )
            person = await get_beneficiary(session, actor, beneficiary_id)
            name = share.contact.name if share.contact else ""
            text = (
                _("🤝 {contact} is shared: {name} receives the card now.")
                if new
                else _("{contact} was already shared with {name}.")
            ).format(contact=e(name), name=e(person.name))
            screens = await _beneficiary_screen(session, caller, actor, beneficiary_id)
            return [Screen(text), *screens]
        raise Stale("unknown press")


async def on_button(update: Update, context: Context) -> None:
    """Every ``ct:`` press, re-checked against the counsellor who pressed."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    found = await counsellor_caller(update, context)
    if found is None:
        await query.answer()
        return
    caller, actor = found
    try:
        screens = await _press(caller, actor, query.data, context)
    except (Stale, AccessDenied, KeyError, IndexError, ValueError, ContactRefused):
        await answer_stale(query, caller._)
        return
    await query.answer()
    if query.data.startswith("ct:s:"):
        wake_dispatcher(context)
    first, rest = screens[0], screens[1:]
    await (
        edit_screen(update, first) if query.data.startswith("ct:v:") else send_screen(update, first)
    )
    for screen in rest:
        await send_screen(update, screen)


async def contacts_command(update: Update, context: Context) -> None:
    """``/contacts``: the file."""
    found = await counsellor_caller(update, context)
    if found is None:
        return
    caller, actor = found
    for screen in await _press(caller, actor, "ct:l", context):
        await send_screen(update, screen)


async def handle_text(update: Update, context: Context) -> bool:
    """A counsellor's typed field of a contact being added or edited; True when consumed."""
    typed = await typed_text(update, context)
    if typed is None:
        return False
    caller, actor, text = typed
    if not isinstance(actor, CounsellorActor):
        return False
    async with work(context) as session:
        draft = await dialogue.current_dialogue(
            session, actor, flows=[FLOW], max_age=DRAFT_TEXT_WAIT
        )
        if draft is None:
            return False
        try:
            screen = await _typed(session, caller, actor, draft, text)
        except ContactRefused as refused:  # a field left empty while editing, for instance
            screen = Screen(_refusal(refused, caller._))
        except (AccessDenied, KeyError, ValueError):
            await dialogue.end_dialogue(session, actor, flows=[FLOW])
            screen = Screen(caller._("That contact is no longer in the file. /contacts"))
    await send_screen(update, screen)
    return True


TEXT_FLOWS = (Flow((FLOW,), handle_text, lambda _wait, _: _("the contact you were writing")),)


@register(SHARED_KIND, stale_after=outbox.DEFAULT_STALE_AFTER)
async def render_shared(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """The contact's card, for the beneficiary it was shared with; nothing once erased."""
    actor = context.beneficiary_actor()
    share_id = (row.payload or {}).get("share_id")
    if actor is None or not isinstance(share_id, int):
        return None
    async with context.db.transaction() as session:
        try:
            share = await store.shared_contact(session, actor, share_id)
        except AccessDenied:
            return None
    if share.contact is None:
        return None
    return views.shared_message(share, context.locale)
