"""``bilan-bot contacts import|export|erase``: the resource file for the administrator.

The organisation keeps its resource persons in a spreadsheet; this moves the
file in and out as CSV (see :mod:`storage.contact_file` for the columns).
An import is all or nothing by default: every refused line is listed with its
number and reason (never its content), and nothing is written until the file
is clean, unless ``--keep-good`` asks to import the good lines anyway. The
export holds personal data in clear: it is written to a file the command
creates readable by its owner only, never printed to a terminal by mistake.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from bot.settings import Settings, fail
from dialogues.rome import load_rome
from storage.actors import AccessDenied, SystemActor
from storage.contact_file import ImportReport, export_contacts, import_contacts
from storage.contacts import erase_contact
from storage.db import Database

ADMIN = SystemActor("cli")
EXIT_REFUSED = 1

REASONS = {
    "agreement": "no recorded agreement (agreed_on and agreed_how are required)",
    "agreed_on": "agreed_on is not a date such as 2026-01-31",
    "name": "no name",
    "reach": "no way to reach them (reach)",
    "kind": "unknown kind (professional, company, training, tutor, plateau)",
    "title": "a job title that is not a ROME title (job_titles)",
    "metiers": "too many métiers (12 at most)",
    "encoding": "not valid UTF-8 (save the file as CSV UTF-8)",
    "columns": "more values than columns",
    "id": "id is not a number",
    "unknown_id": "no contact has this id",
}


def reason_text(reason: str) -> str:
    if reason.startswith("rome:"):
        return f"unknown ROME code {reason.removeprefix('rome:')}"
    if reason.startswith("too_long:"):
        return f"{reason.removeprefix('too_long:')} is too long"
    return REASONS.get(reason, reason)


def add_parser(sub: Any) -> None:
    """The ``contacts`` sub-command and its three actions."""
    contacts = sub.add_parser("contacts", help="the resource-person file (CSV)").add_subparsers(
        dest="action", required=True
    )
    load = contacts.add_parser("import", help="add or update contacts from a CSV file")
    load.add_argument(
        "file", type=Path, help="the CSV file, UTF-8 (see the README for its columns)"
    )
    load.add_argument(
        "--keep-good",
        action="store_true",
        help="import the good lines even when some are refused",
    )
    dump = contacts.add_parser("export", help="write the whole file as CSV")
    dump.add_argument("--output", type=Path, required=True, help="a new file (not overwritten)")
    erase = contacts.add_parser("erase", help="erase one contact on their request")
    erase.add_argument(
        "--id",
        dest="contact_id",
        type=int,
        required=True,
        help="the contact's id (as in the export)",
    )


class _RollBack(Exception):
    """Raised inside the import's transaction so that nothing of a refused file is kept."""


def _print_report(report: ImportReport) -> None:
    for refused in report.refused:
        print(f"line {refused.line}: refused: {reason_text(refused.reason)}", file=sys.stderr)


async def _import(db: Database, args: argparse.Namespace) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {args.file} ({type(exc).__name__})")
        return EXIT_REFUSED
    rome = load_rome()
    report = ImportReport()
    try:
        async with db.transaction() as session:
            report = await import_contacts(session, ADMIN, data, rome, keep_good=args.keep_good)
            if not report.committed:
                raise _RollBack
    except _RollBack:
        pass
    if report.header_problem is not None:
        problem = report.header_problem
        if problem.startswith("columns:"):
            problem = "missing columns: " + problem.removeprefix("columns:").replace(",", ", ")
        elif problem == "too_many":
            problem = "more than 5,000 lines"
        elif problem == "encoding":
            problem = REASONS["encoding"]
        print(f"bilan-bot: nothing imported: {problem}", file=sys.stderr)
        return EXIT_REFUSED
    _print_report(report)
    refused = len(report.refused)
    if not report.committed:
        print(
            f"bilan-bot: nothing imported: {refused} line(s) refused; fix them, "
            "or add --keep-good to import the others",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    print(f"imported: {report.added} added, {report.updated} updated, {refused} refused")
    return EXIT_REFUSED if refused else 0


async def _export(db: Database, args: argparse.Namespace) -> int:
    async with db.transaction() as session:
        text, count = await export_contacts(session, ADMIN)
    try:
        descriptor = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        fail(f"{args.output} exists already: give a new file name")
        return EXIT_REFUSED
    except OSError as exc:
        fail(f"cannot write {args.output} ({type(exc).__name__})")
        return EXIT_REFUSED
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    print(f"exported {count} contact(s) to {args.output}")
    return 0


async def _erase(db: Database, args: argparse.Namespace) -> int:
    try:
        async with db.transaction() as session:
            shares = await erase_contact(session, ADMIN, args.contact_id)
    except AccessDenied:
        print(f"bilan-bot: no contact has the id {args.contact_id}", file=sys.stderr)
        return EXIT_REFUSED
    print(
        f"erased contact {args.contact_id}; its details are gone from {shares} "
        "beneficiary card(s), whose own notes stay theirs"
    )
    return 0


def cmd_contacts(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli import _with_db

    actions = {"import": _import, "export": _export, "erase": _erase}
    action = actions[args.action]

    async def work(db: Database) -> int:
        return await action(db, args)

    return _with_db(settings, work)
