"""What a reader of one of the bot's PDFs reads: its text, page by page (pypdf).

Spaces are collapsed, because justified lines come out with wider gaps; a
character the fonts could not draw is missing from the text (or comes out as
another one), which is what the tests look for.
"""

from __future__ import annotations

import io
import re

from pypdf import PdfReader


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page, spaces collapsed, lines kept."""
    reader = PdfReader(io.BytesIO(data))
    return [_collapse(page.extract_text()) for page in reader.pages]


def pdf_text(data: bytes) -> str:
    """The whole text as one string, every run of white space (line ends too) one space."""
    return re.sub(r"\s+", " ", " ".join(pdf_pages(data))).strip()


def _collapse(text: str) -> str:
    return "\n".join(re.sub(r"[ \t\u00a0\u202f]+", " ", line).strip() for line in text.splitlines())


def flat(text: str) -> str:
    """``text`` as :func:`pdf_text` gives it back: every run of white space one space."""
    return re.sub(r"\s+", " ", text).strip()
