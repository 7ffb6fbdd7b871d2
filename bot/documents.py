"""PDF documents (fpdf2), imported lazily: the library is not needed at start-up.

The font is the DejaVu Sans that matplotlib ships, so accents, typographic
apostrophes and French spacing print without installing anything. What it
cannot draw (Chinese, Japanese, Korean, Arabic in italics, most emoji) is
drawn with the fallback fonts of ``bot/fonts`` (see its README for their
licences): each is added to a document only once its text needs it, because
reading the CJK font costs about a second. Arabic and Hebrew are shaped and
laid out right to left (HarfBuzz, through fpdf2's text shaping), again only
in a document that holds some. A character no font has prints as "�", never
as nothing: its place in the person's text stays visible.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from dialogues.engine import RecapSection

if TYPE_CHECKING:
    from fpdf import FPDF

FONT_FAMILY = "DejaVu"
_DEJAVU = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
FALLBACK_DIR = Path(__file__).with_name("fonts")
FALLBACK_FONTS = (
    ("NotoSansArabic", "NotoSansArabic-Regular.ttf"),
    ("DroidSansFallback", "DroidSansFallback.ttf"),
    ("Symbola", "Symbola.ttf"),
)
"""In the order they are tried for a character DejaVu Sans lacks."""
REPLACEMENT = "\ufffd"
_NEEDS_SHAPING = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
"""Hebrew, Arabic and their neighbours: joined letters, written right to left."""


def _font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _cmap(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as font:
        return frozenset(font.getBestCmap())


@cache
def _dejavu_coverage() -> frozenset[int]:
    """What DejaVu draws in all three styles (the oblique has no Arabic, for one)."""
    regular, bold, oblique = (_cmap(_font_dir() / name) for name in _DEJAVU.values())
    return regular & bold & oblique


@cache
def _fallback_coverage() -> tuple[tuple[str, Path, frozenset[int]], ...]:
    return tuple(
        (name, FALLBACK_DIR / file, _cmap(FALLBACK_DIR / file)) for name, file in FALLBACK_FONTS
    )


def _invisible(char: str) -> bool:
    """Joiners and variation selectors: nothing to draw when no font knows them."""
    return unicodedata.category(char) == "Cf" or 0xFE00 <= ord(char) <= 0xFE0F


def _new_fpdf(page_numbers: bool) -> FPDF:
    """An A4 document that finds a font for every character, its pages numbered if asked.

    The page number ("2 / 5") is drawn by fpdf2's own footer hook and the total
    by its ``{nb}`` alias, as each page is closed: going back to a finished
    page to write on it does not set that page's font again, and the digits
    came out in another font's glyphs, as empty boxes.
    """
    from fpdf import FPDF

    class Document(FPDF):
        fallbacks_added: tuple[str, ...] = ()

        def footer(self) -> None:
            if not page_numbers:
                return
            self.set_y(-11)
            self.set_font(FONT_FAMILY, "", 8)
            self.set_text_color(107, 107, 107)
            self.cell(0, 5, f"{self.page_no()} / {{nb}}", align="C")

        def normalize_text(self, text: str) -> str:
            # Every text fpdf2 writes passes here first, before it picks fonts.
            if not text.isascii():
                text = self._cover(text)
            return str(super().normalize_text(text))

        def _cover(self, text: str) -> str:
            known = _dejavu_coverage()
            missing = {ord(c) for c in text} - known
            if not missing:
                return text
            drawable = set(known)
            for name, path, coverage in _fallback_coverage():
                if name not in self.fallbacks_added and missing & coverage:
                    self.add_font(name, "", str(path))
                    self.fallbacks_added = (*self.fallbacks_added, name)
                    ordered = [n for n, _, _ in _fallback_coverage() if n in self.fallbacks_added]
                    self.set_fallback_fonts(ordered, exact_match=False)
                if name in self.fallbacks_added:
                    drawable |= coverage
            if _NEEDS_SHAPING.search(text) and not self.text_shaping:
                self.set_text_shaping(True)
            if missing <= drawable:
                return text
            return "".join(
                c if ord(c) in drawable else "" if _invisible(c) else REPLACEMENT for c in text
            )

    return Document(format="A4")


def new_pdf(title: str, *, page_numbers: bool = False) -> FPDF:
    """A new A4 document with its first page, DejaVu Sans in three styles, and fallbacks."""
    pdf = _new_fpdf(page_numbers)
    fonts = _font_dir()
    for style, file in _DEJAVU.items():
        pdf.add_font(FONT_FAMILY, style, str(fonts / file))
    pdf.set_title(title)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    return pdf


def answers_pdf(title: str, subtitle: str, sections: list[RecapSection], footer: str) -> bytes:
    """An instrument's answers, section by section, for reading and printing."""
    pdf = new_pdf(title)
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(0, 6, subtitle, new_x="LMARGIN", new_y="NEXT")
    for section in sections:
        heading = section.heading or section.title
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 13)
        pdf.multi_cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
        for item in section.items:
            pdf.set_font("DejaVu", "I", 10)
            pdf.multi_cell(0, 5.5, item.question, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("DejaVu", "", 11)
            pdf.multi_cell(0, 6, item.answer, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
    pdf.ln(4)
    pdf.set_font("DejaVu", "I", 8)
    pdf.multi_cell(0, 4.5, footer, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
