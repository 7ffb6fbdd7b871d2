"""``/contacts``: the organisation's resource-person file, kept from the desk.

The same rules as the chat's ``/contacts``, through the same access-checked
``storage.contacts`` functions with the counsellor's actor: no contact
without the date and the way they agreed to be contacted, métiers as ROME
codes or job titles resolved with ``dialogues.rome``, and erasure on the
contact's request (a ticked confirmation first). The search by name or
métier happens in the browser, like the caseload's, and a refused form is
shown again from the POST itself, so what was typed never reaches a URL.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.desk.web import Visit, database, form_of, signed_in
from bot.features.enquetes.views import kind_label
from dialogues.rome import load_rome
from storage import contacts as store
from storage.actors import AccessDenied
from storage.contacts import Contact, ContactFields, ContactKind, ContactRefused
from storage.models import utcnow

log = logging.getLogger(__name__)

FIELDS = ("name", "role", "organisation", "reach", "area", "mention", "agreed_on", "agreed_how")
_SEPARATORS = re.compile(r"[,;\n]+")


@dataclass(frozen=True)
class Row:
    contact: Contact
    kind: str
    metiers: list[str]
    """"J1506 Soins infirmiers…", one per ROME code."""
    search: str


def _metier(code: str) -> str:
    rome = load_rome()
    return f"{code} {rome.sheet(code).title}" if code in rome else code


def _row(contact: Contact, visit: Visit) -> Row:
    metiers = [_metier(code) for code in contact.rome_codes]
    words = [contact.name, contact.organisation or "", contact.role or "", *metiers]
    return Row(contact, kind_label(contact.kind, visit._), metiers, " ".join(words))


def _back(**code: str) -> Response:
    query = "&".join(f"{k}={v}" for k, v in code.items())
    return RedirectResponse(f"/contacts?{query}", status_code=303)


def resolve_metiers(typed: str) -> tuple[str, ...]:
    """ROME codes for what was typed: codes as they are, a job title as its best match.

    Entries are separated by commas, semicolons or lines; an unknown code is
    refused with the chat's ``rome:<code>`` reason, a title close to no ROME
    title with ``title`` (the chat then asks for other words).
    """
    rome = load_rome()
    codes: list[str] = []
    for entry in (part.strip() for part in _SEPARATORS.split(typed)):
        if not entry:
            continue
        words = entry.upper().split()
        if all(store.ROME_CODE.fullmatch(w) for w in words):
            codes += words
            continue
        found = rome.search_appellations(entry, limit=1)
        if not found:
            raise ContactRefused("title")
        codes.append(found[0].code)
    return store.check_rome_codes(codes, (sheet.code for sheet in rome.sheets()))


def today_for(visit: Visit) -> date:
    """The counsellor's today (an agreement given at 00:30 in Paris is not in the future)."""
    return utcnow().astimezone(ZoneInfo(visit.actor.timezone)).date()


def fields_of(form: dict[str, str], today: date) -> ContactFields:
    """The posted fields, or :class:`ContactRefused` like the chat's (the same reasons).

    Like the chat, at least one métier: a contact nobody can be matched with
    would never be shared.
    """
    try:
        kind = ContactKind(form.get("kind", ""))
    except ValueError:
        raise ContactRefused("kind") from None
    typed_on = form.get("agreed_on", "").strip()
    if not typed_on:
        raise ContactRefused("agreement")
    try:
        agreed_on = date.fromisoformat(typed_on)
    except ValueError:
        raise ContactRefused("agreed_on") from None
    if agreed_on > today:
        raise ContactRefused("agreed_on")
    rome_codes = resolve_metiers(form.get("metiers", ""))
    if not rome_codes:
        raise ContactRefused("no_metier")
    fields = ContactFields(
        kind=kind,
        name=form.get("name", ""),
        reach=form.get("reach", ""),
        agreed_on=agreed_on,
        agreed_how=form.get("agreed_how", ""),
        rome_codes=rome_codes,
        role=form.get("role") or None,
        organisation=form.get("organisation") or None,
        area=form.get("area") or None,
        mention=form.get("mention") or None,
    )
    return store.clean_fields(fields)


def refusal(reason: str, visit: Visit) -> str:
    """The chat's refusal words, after the name of the field they are about."""
    _ = visit._
    labels = {
        "name": _("Name"),
        "reach": _("How to reach"),
        "agreement": _("Agreement"),
        "agreed_how": _("Agreement"),
        "kind": _("Kind"),
        "metiers": _("Métiers"),
        "no_metier": _("Métiers"),
        "role": _("Role"),
        "organisation": _("Organisation"),
        "area": _("Area"),
        "mention": _("What to mention"),
    }
    if reason.startswith("rome:"):
        return _("⚠️ {code} is not a ROME code I know.").format(code=reason[5:])
    if reason == "metiers":
        return _("⚠️ Twelve métiers at most.")
    if reason == "title":
        return _("I found no job title close to that. Try other words or a ROME code.")
    if reason == "agreed_on":
        return _("{field}: {problem}").format(
            field=labels["agreement"],
            problem=_("⚠️ Give the day they agreed: today or an earlier date."),
        )
    field = reason.removeprefix("too_long:")
    label = labels.get(field, _("Agreement"))
    if reason.startswith("too_long"):
        words = _("⚠️ That is too long: a few words are enough.")
    else:
        words = _("⚠️ This cannot be empty.")
    return _("{field}: {problem}").format(field=label, problem=words)


def _typed(form: dict[str, str]) -> dict[str, str]:
    return {key: form.get(key, "") for key in (*FIELDS, "kind", "metiers")}


def _values(contact: Contact) -> dict[str, str]:
    return {
        "kind": contact.kind.value,
        "name": contact.name,
        "role": contact.role or "",
        "organisation": contact.organisation or "",
        "reach": contact.reach,
        "area": contact.area or "",
        "mention": contact.mention or "",
        "agreed_on": contact.agreed_on.isoformat(),
        "agreed_how": contact.agreed_how,
        "metiers": ", ".join(contact.rome_codes),
    }


def _kinds(visit: Visit) -> list[tuple[str, str]]:
    return [(kind.value, kind_label(kind, visit._)) for kind in ContactKind]


async def _list(visit: Visit, status_code: int = 200, **values: object) -> Response:
    async with database(visit.request).transaction() as session:
        contacts = await store.list_contacts(session, visit.actor)
    empty = {"kind": ContactKind.PROFESSIONAL.value, "agreed_on": today_for(visit).isoformat()}
    values.setdefault("typed", empty)
    values.setdefault("notice", visit.request.query_params.get("done", ""))
    return visit.render(
        "contacts.html",
        status_code=status_code,
        rows=[_row(c, visit) for c in contacts],
        kinds=_kinds(visit),
        today=today_for(visit).isoformat(),
        **values,
    )


async def page(request: Request) -> Response:
    """``GET /contacts``: the file, with the form to add a contact."""
    visit = await signed_in(request)
    try:
        return await _list(visit)
    except AccessDenied:
        raise HTTPException(403) from None


async def add(request: Request) -> Response:
    """``POST /contacts``: a new contact, refused without their recorded agreement."""
    visit = await signed_in(request)
    form = await form_of(visit)
    try:
        fields = fields_of(form, today_for(visit))
        async with database(request).transaction() as session:
            contact = await store.add_contact(session, visit.actor, fields)
    except AccessDenied:
        raise HTTPException(403) from None
    except ContactRefused as refused:
        return await _list(
            visit, 400, typed=_typed(form), error=refusal(refused.reason, visit), notice=""
        )
    log.info("desk: counsellor %s added contact %s", visit.actor.counsellor_id, contact.id)
    return _back(done="added")


def _number(request: Request) -> int:
    return int(request.path_params["contact_id"])


async def _edit_page(
    visit: Visit, contact: Contact, typed: dict[str, str], status_code: int = 200, error: str = ""
) -> Response:
    return visit.render(
        "contact.html",
        status_code=status_code,
        contact=contact,
        row=_row(contact, visit),
        typed=typed,
        kinds=_kinds(visit),
        today=today_for(visit).isoformat(),
        error=error,
        notice=visit.request.query_params.get("done", ""),
    )


async def show(request: Request) -> Response:
    """``GET /contacts/<id>``: one contact, to edit or to erase."""
    visit = await signed_in(request)
    try:
        async with database(request).transaction() as session:
            contact = await store.get_contact(session, visit.actor, _number(request))
    except AccessDenied:
        raise HTTPException(404) from None
    error = ""
    if request.query_params.get("error") == "confirm":
        error = visit._("Tick the box to confirm the erasure: nothing was erased.")
    return await _edit_page(visit, contact, _values(contact), error=error)


async def edit(request: Request) -> Response:
    """``POST /contacts/<id>``: every field replaced, with the same checks as a new one."""
    visit = await signed_in(request)
    form = await form_of(visit)
    contact_id = _number(request)
    try:
        async with database(request).transaction() as session:
            contact = await store.get_contact(session, visit.actor, contact_id)
        fields = fields_of(form, today_for(visit))
        async with database(request).transaction() as session:
            await store.update_contact(session, visit.actor, contact_id, fields)
    except AccessDenied:
        raise HTTPException(404) from None
    except ContactRefused as refused:
        return await _edit_page(visit, contact, _typed(form), 400, refusal(refused.reason, visit))
    log.info("desk: counsellor %s edited contact %s", visit.actor.counsellor_id, contact_id)
    return RedirectResponse(f"/contacts/{contact_id}?done=saved", status_code=303)


async def erase(request: Request) -> Response:
    """``POST /contacts/<id>/erase``: on the contact's request, once the box is ticked."""
    visit = await signed_in(request)
    form = await form_of(visit)
    contact_id = _number(request)
    if form.get("confirm") != "1":
        return RedirectResponse(f"/contacts/{contact_id}?error=confirm", status_code=303)
    try:
        async with database(request).transaction() as session:
            shares = await store.erase_contact(session, visit.actor, contact_id)
    except AccessDenied:
        raise HTTPException(404) from None
    log.info("desk: counsellor %s erased contact %s", visit.actor.counsellor_id, contact_id)
    return _back(done="erased", cards=str(shares))
