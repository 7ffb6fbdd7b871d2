"""The person's copy of their data: a readable PDF and a machine-readable JSON file.

Both are built from one :class:`storage.rights.Dossier`, so they cannot
disagree. The JSON holds everything, raw values and, next to them, the same
answers written out as the PDF shows them; its shape is documented in
``docs/export-format.md`` and versioned by :data:`FORMAT_VERSION`. The PDF
is for reading and printing: the dossier, results with their charts, the
job and the pistes, sessions, tasks, the journal (shared and private), the
messages scheduled, and who opened what.

``labels`` (the words for stored codes), ``answers`` (a questionnaire run as
read), ``sentences`` (the plain-text lines, shared with ``/mesdonnees`` and
other screens), ``json_file``, ``pdf_layout`` and ``pdf_file``.

Building is synchronous and CPU-bound (charts, fonts): call the builders
through ``asyncio.to_thread``.
"""

from __future__ import annotations

from bot.export.json_file import FORMAT, FORMAT_VERSION, build_json, dossier_json
from bot.export.pdf_file import build_pdf, ordered_parts, page_count
from bot.export.sentences import (
    access_object,
    access_text,
    day_text,
    part_title,
    portfolio_lines,
    retention_text,
    synthesis_lines,
    when_text,
)
from storage.rights import Dossier

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "access_object",
    "access_text",
    "build_json",
    "build_pdf",
    "day_text",
    "dossier_json",
    "file_names",
    "ordered_parts",
    "page_count",
    "part_title",
    "portfolio_lines",
    "retention_text",
    "synthesis_lines",
    "when_text",
]


def file_names(dossier: Dossier) -> tuple[str, str]:
    """Names of the two files: no personal name in them, the date only."""
    day = dossier.collected_at.strftime("%Y-%m-%d")
    return f"mes-donnees-{day}.pdf", f"mes-donnees-{day}.json"
