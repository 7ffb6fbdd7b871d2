"""The PDF's page layout: title, headings, label and value pairs, charts, in the project's fonts."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from bot.documents import new_pdf

if TYPE_CHECKING:
    from fpdf import FPDF


class Writer:
    """Small layout helpers over fpdf2, with the project's fonts."""

    def __init__(self, title: str) -> None:
        self.pdf: FPDF = new_pdf(title)

    def title(self, text: str) -> None:
        self.pdf.set_font("DejaVu", "B", 17)
        self.pdf.multi_cell(0, 9, text, new_x="LMARGIN", new_y="NEXT")

    def heading(self, text: str) -> None:
        if self.pdf.get_y() > self.pdf.h - 45:
            self.pdf.add_page()
        self.pdf.ln(5)
        self.pdf.set_font("DejaVu", "B", 14)
        self.pdf.set_text_color(31, 95, 139)
        self.pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_text_color(0, 0, 0)

    def subheading(self, text: str) -> None:
        self.pdf.ln(2)
        self.pdf.set_font("DejaVu", "B", 11.5)
        self.pdf.multi_cell(0, 6.5, text, new_x="LMARGIN", new_y="NEXT")

    def text(self, text: str, size: float = 10.5, style: str = "") -> None:
        self.pdf.set_font("DejaVu", style, size)
        self.pdf.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")

    def pair(self, label: str, value: str) -> None:
        self.text(label, 9.5, "I")
        self.text(value or "—")
        self.pdf.ln(1)

    def image(self, png: bytes) -> None:
        width = self.pdf.w - self.pdf.l_margin - self.pdf.r_margin
        height = width * 0.575  # the charts are 8 x 4.6 inches
        if self.pdf.get_y() + height > self.pdf.h - self.pdf.b_margin:
            self.pdf.add_page()
        self.pdf.image(io.BytesIO(png), w=width)

    def output(self) -> bytes:
        return bytes(self.pdf.output())
