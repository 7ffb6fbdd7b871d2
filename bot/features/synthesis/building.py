"""The synthesis's files, built from the draft model: run in a thread, they take a second or so.

A generated draft (DOCX and PDF), an edited file read back (its PDF and what
is left to write), and the final document made from the agreed version.
"""

from __future__ import annotations

from datetime import date

from unidecode import unidecode

from bot.features.synthesis import files as synthesis_files
from bot.i18n import Translate
from dialogues.synthesis import final_version
from dialogues.synthesis_model import SynthesisDraft

MAX_EDITED_BLOCKS = 3000
"""Paragraphs an edited synthesis may hold: a real one has a few hundred at most, and a
file of tens of thousands would make a PDF of a thousand pages."""


def to_write(draft: SynthesisDraft) -> int:
    return draft.to_write()


def file_stem(name: str, number: int, _: Translate) -> str:
    """``Synthèse - Paul Durand - v2``, in the reader's language; the name in plain letters."""
    safe = "".join(c for c in unidecode(name) if c.isalnum() or c in " -'")[:40].strip()
    return _("Synthesis - {name} - v{number}").format(name=safe, number=number)


def build_draft_files(draft: SynthesisDraft) -> tuple[bytes, bytes, int]:
    """DOCX, PDF and page count of a draft (run in a thread: it takes a second or so)."""
    pdf = synthesis_files.draft_pdf(draft)
    return synthesis_files.draft_docx(draft), pdf, synthesis_files.page_count(pdf)


def build_edited_pdf(data: bytes, locale: str) -> tuple[str, bytes, int, int]:
    """Format, PDF, pages and passages left to write of an edited file (in a thread)."""
    kind = synthesis_files.editable_kind(data)
    draft = synthesis_files.read_edited(data, None, locale)
    if sum(1 for _ in draft.blocks()) > MAX_EDITED_BLOCKS:
        raise synthesis_files.EditedFileRefused(synthesis_files.UploadRefusal.TOO_LARGE)
    pdf = synthesis_files.draft_pdf(draft)
    assert kind is not None  # read_edited refuses anything else
    return kind, pdf, synthesis_files.page_count(pdf), to_write(draft)


def build_final_pdf(editable: bytes, locale: str, day: date) -> tuple[bytes, int] | None:
    """The final document from the agreed version's editable file (in a thread).

    The same words as the version the person agreed to, without what was for
    the counsellor: the working-version line, the notes to the counsellor and
    any prompt still "to write". None if the file cannot be read again (the
    agreed PDF is then delivered as it is).
    """
    try:
        draft = synthesis_files.read_edited(editable, None, locale)
    except synthesis_files.EditedFileRefused:
        return None
    pdf = synthesis_files.draft_pdf(final_version(draft, day))
    return pdf, synthesis_files.page_count(pdf)
