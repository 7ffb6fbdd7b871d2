"""The files of the document de synthèse, in one place for the handlers.

Writing: ``draft_docx`` (the editable copy) and ``draft_pdf`` (the copy to
read and print). Reading back: ``read_edited`` turns the counsellor's edited
DOCX or ODT into the same ``SynthesisDraft``, or refuses it with a reason.
"""

from __future__ import annotations

from bot.export import page_count
from bot.features.synthesis.edited_file import (
    MAX_UPLOAD_BYTES,
    EditedFileRefused,
    UploadRefusal,
    editable_kind,
    read_edited,
)
from bot.features.synthesis.pdf_file import draft_pdf
from bot.features.synthesis.word_file import draft_docx

__all__ = [
    "MAX_UPLOAD_BYTES",
    "EditedFileRefused",
    "UploadRefusal",
    "draft_docx",
    "draft_pdf",
    "editable_kind",
    "page_count",
    "read_edited",
]
