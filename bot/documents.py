"""PDF documents (fpdf2), imported lazily: the library is not needed at start-up.

The font is the DejaVu Sans that matplotlib ships, so accents, typographic
apostrophes and French spacing print without installing anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from dialogues.engine import RecapSection

if TYPE_CHECKING:
    from fpdf import FPDF


def _font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def new_pdf(title: str) -> FPDF:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    fonts = _font_dir()
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVu", "I", str(fonts / "DejaVuSans-Oblique.ttf"))
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
