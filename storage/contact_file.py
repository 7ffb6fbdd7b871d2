"""The resource file as CSV, for the administrator's ``bilan-bot contacts import|export``.

An organisation already keeps its resource persons somewhere (a spreadsheet,
most of the time), so the file goes in and out as CSV, comma or semicolon
separated, UTF-8. Each line is checked as the chat checks a contact: a name,
how to reach them, their recorded agreement (date and way), known ROME codes
or job titles. Every refused line is reported with its number and why, never
with its content; and an import is one transaction: with a refused line,
nothing is imported unless the administrator asks to keep the good lines.

A line with an ``id`` that exists updates that contact (an export edited and
imported back); an unknown ``id`` is refused rather than guessed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from dialogues.rome import Rome
from dialogues.rome.search import normalise
from storage.actors import AccessDenied, Actor
from storage.contacts import (
    Contact,
    ContactFields,
    ContactKind,
    ContactRefused,
    add_contact,
    clean_fields,
    list_contacts,
    update_contact,
)

COLUMNS = (
    "id",
    "kind",
    "name",
    "role",
    "organisation",
    "reach",
    "area",
    "rome_codes",
    "job_titles",
    "agreed_on",
    "agreed_how",
    "mention",
)
REQUIRED_COLUMNS = ("kind", "name", "reach", "agreed_on", "agreed_how")
KIND_WORDS = {
    "professional": ContactKind.PROFESSIONAL,
    "professionnel": ContactKind.PROFESSIONAL,
    "professionnelle": ContactKind.PROFESSIONAL,
    "company": ContactKind.COMPANY,
    "entreprise": ContactKind.COMPANY,
    "training": ContactKind.TRAINING,
    "organisme de formation": ContactKind.TRAINING,
    "formation": ContactKind.TRAINING,
    "tutor": ContactKind.TUTOR,
    "tuteur": ContactKind.TUTOR,
    "tutrice": ContactKind.TUTOR,
    "plateau": ContactKind.PLATEAU,
    "plateau technique": ContactKind.PLATEAU,
}
MAX_LINES = 5000


@dataclass(frozen=True)
class RefusedLine:
    line: int
    reason: str
    """A code (``agreement``, ``rome:X1234``, ``encoding``, ``title``…), never the line's text."""


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    refused: list[RefusedLine] = field(default_factory=list)
    committed: bool = False
    header_problem: str | None = None
    """``encoding``, ``empty``, ``columns:<missing>`` or ``too_many``: nothing was read."""


def _decode(data: bytes) -> str:
    """UTF-8 text; undecodable bytes kept as surrogates so their line can be named."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", errors="surrogateescape")


def _broken(values: Iterable[str]) -> bool:
    return any("\udc80" <= ch <= "\udcff" for value in values for ch in value)


def _split(value: str) -> list[str]:
    for sep in (";", ",", "|"):
        value = value.replace(sep, " ")
    return value.split()


def _titles(value: str) -> list[str]:
    return [part.strip() for part in value.replace("|", ";").split(";") if part.strip()]


class _Line(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _fields(row: dict[str, str], rome: Rome, title_codes: dict[str, str]) -> ContactFields:
    get = {k: (v or "").strip() for k, v in row.items() if k is not None}
    kind = KIND_WORDS.get(" ".join(get.get("kind", "").lower().replace("_", " ").split()))
    if kind is None:
        raise _Line("kind")
    if not get.get("agreed_on") or not get.get("agreed_how"):
        raise _Line("agreement")
    try:
        agreed_on = date.fromisoformat(get["agreed_on"])
    except ValueError as exc:
        raise _Line("agreed_on") from exc
    codes = _split(get.get("rome_codes", ""))
    for title in _titles(get.get("job_titles", "")):
        code = _title_code(title, rome, title_codes)
        if code is None:
            raise _Line("title")
        codes.append(code)
    fields = ContactFields(
        kind=kind,
        name=get.get("name", ""),
        reach=get.get("reach", ""),
        agreed_on=agreed_on,
        agreed_how=get.get("agreed_how", ""),
        rome_codes=tuple(codes),
        role=get.get("role") or None,
        organisation=get.get("organisation") or None,
        area=get.get("area") or None,
        mention=get.get("mention") or None,
    )
    try:
        return clean_fields(fields, (s.code for s in rome.sheets()))
    except ContactRefused as refused:
        raise _Line(refused.reason) from refused


def _title_code(title: str, rome: Rome, title_codes: dict[str, str]) -> str | None:
    """The ROME code of a job title: exact, or ROME's best title holding every word typed.

    "Infirmier de bloc opératoire" finds "Infirmier / Infirmière de bloc
    opératoire (IBODE)"; a title ROME does not know is refused, not guessed.
    """
    key = normalise(title)
    if key in title_codes:
        return title_codes[key]
    words = set(key.split())
    for appellation in rome.search_appellations(title, limit=1):
        if words <= set(normalise(appellation.title).split()):
            return appellation.code
    return None


def _reader(text: str) -> csv.DictReader[str]:
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)


async def import_contacts(
    session: AsyncSession,
    actor: Actor,
    data: bytes,
    rome: Rome,
    *,
    keep_good: bool = False,
) -> ImportReport:
    """Check every line, then add or update the good ones in the caller's transaction.

    With a refused line and ``keep_good`` false, nothing is written and
    ``committed`` is false: the caller rolls back. The caller owns the
    transaction, so a failure half-way (a lost connection) also writes nothing.
    """
    report = ImportReport()
    text = _decode(data)
    if not text.strip():
        report.header_problem = "empty"
        return report
    reader = _reader(text)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if _broken(header):
        report.header_problem = "encoding"
        return report
    reader.fieldnames = header
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        report.header_problem = "columns:" + ",".join(missing)
        return report
    title_codes: dict[str, str] = {}
    for appellation in rome.appellations():
        title_codes.setdefault(normalise(appellation.title), appellation.code)
    for sheet in rome.sheets():
        title_codes.setdefault(normalise(sheet.title), sheet.code)
    good: list[tuple[int, int | None, ContactFields]] = []
    count = 0
    for row in reader:
        line = reader.line_num
        values = [v for v in row.values() if isinstance(v, str)]
        if not any(v.strip() for v in values):
            continue
        count += 1
        if count > MAX_LINES:
            report.header_problem = "too_many"
            return report
        if _broken(values) or _broken(k for k in row if k):
            report.refused.append(RefusedLine(line, "encoding"))
            continue
        if None in row:
            report.refused.append(RefusedLine(line, "columns"))
            continue
        raw_id = (row.get("id") or "").strip()
        contact_id: int | None = None
        if raw_id:
            if not raw_id.isdigit():
                report.refused.append(RefusedLine(line, "id"))
                continue
            contact_id = int(raw_id)
        try:
            good.append((line, contact_id, _fields(row, rome, title_codes)))
        except _Line as refused:
            report.refused.append(RefusedLine(line, refused.reason))
    if report.refused and not keep_good:
        return report
    codes = [s.code for s in rome.sheets()]
    for line, contact_id, fields in good:
        if contact_id is None:
            await add_contact(session, actor, fields, known_codes=codes)
            report.added += 1
            continue
        try:
            await update_contact(session, actor, contact_id, fields, known_codes=codes)
        except AccessDenied:
            report.refused.append(RefusedLine(line, "unknown_id"))
            continue
        report.updated += 1
    if report.refused and not keep_good:
        return report
    report.refused.sort(key=lambda r: r.line)
    report.committed = True
    return report


def _row(contact: Contact) -> list[str]:
    return [
        str(contact.id),
        contact.kind.value,
        contact.name,
        contact.role or "",
        contact.organisation or "",
        contact.reach,
        contact.area or "",
        " ".join(contact.rome_codes),
        "",
        contact.agreed_on.isoformat(),
        contact.agreed_how,
        contact.mention or "",
    ]


async def export_contacts(session: AsyncSession, actor: Actor) -> tuple[str, int]:
    """The whole file as CSV text (comma separated, UTF-8) and how many contacts it holds."""
    contacts = await list_contacts(session, actor)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for contact in sorted(contacts, key=lambda c: c.id):
        writer.writerow(_row(contact))
    return out.getvalue(), len(contacts)
