"""The document de synthèse as a PDF (fpdf2), with the same marks as the Word file.

The person's words are italic, between quotation marks, left-aligned, and a
small grey line names the answer they come from (once after a run of items
from the same answer); prompts left for the counsellor are highlighted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.documents import new_pdf
from bot.features.synthesis.word_file import prompt_text, quoted, source_after, source_text
from dialogues.languages import language
from dialogues.synthesis_model import Block, BlockKind, SynthesisDraft

if TYPE_CHECKING:
    from fpdf import FPDF

_BLUE = (31, 95, 139)
_GREY = (107, 107, 107)
_HIGHLIGHT = (255, 241, 168)
_INDENT = 7.0


def _width(pdf: FPDF) -> float:
    return float(pdf.w - pdf.l_margin - pdf.r_margin)


def _text(
    pdf: FPDF, text: str, size: float = 10.5, style: str = "", indent: float = 0, align: str = "J"
) -> None:
    pdf.set_font("DejaVu", style, size)
    pdf.set_x(pdf.l_margin + indent)
    pdf.multi_cell(
        _width(pdf) - indent, size * 0.55, text, align=align, new_x="LMARGIN", new_y="NEXT"
    )


def _keep_room(pdf: FPDF, height: float) -> None:
    """A heading never ends a page alone."""
    if pdf.get_y() + height > pdf.h - pdf.b_margin:
        pdf.add_page()


def _heading(pdf: FPDF, text: str) -> None:
    _keep_room(pdf, 30)
    pdf.ln(5)
    pdf.set_text_color(*_BLUE)
    _text(pdf, text, 14, "B")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(1)


def _block(pdf: FPDF, block: Block, source: str | None, locale: str) -> None:
    if block.kind is BlockKind.HEADING:
        _keep_room(pdf, 20)
        pdf.ln(2)
        _text(pdf, block.text, 11.5, "B")
    elif block.kind is BlockKind.ITEM:
        pdf.set_font("DejaVu", "", 10.5)
        pdf.set_x(pdf.l_margin + 2)
        pdf.cell(_INDENT - 2, 10.5 * 0.55, "•")
        pdf.multi_cell(
            _width(pdf) - _INDENT, 10.5 * 0.55, block.text, new_x="LMARGIN", new_y="NEXT"
        )
    elif block.kind is BlockKind.QUOTE:
        pdf.ln(1)
        # Left-aligned: justifying a person's sentence stretches their words apart.
        _text(pdf, quoted(block.text, locale), 10.5, "I", _INDENT, align="L")
    elif block.kind is BlockKind.TO_WRITE:
        pdf.ln(1)
        pdf.set_fill_color(*_HIGHLIGHT)
        pdf.set_font("DejaVu", "", 10.5)
        pdf.multi_cell(
            _width(pdf), 10.5 * 0.6, prompt_text(block.text), fill=True,
            new_x="LMARGIN", new_y="NEXT",
        )  # fmt: skip
    else:
        _text(pdf, block.text)
    if source:
        # Whatever comes from the person's answers says so, quote or item alike.
        pdf.set_text_color(*_GREY)
        _text(pdf, source_text(source), 8, "", _INDENT, align="L")
        pdf.set_text_color(0, 0, 0)
    pdf.ln(1.2)


def draft_pdf(draft: SynthesisDraft) -> bytes:
    """The draft, an edited version read back, or the final document, to read and print.

    Every page carries its number ("2 / 5"), because the synthesis is printed
    and handed over.
    """
    pdf = new_pdf(draft.title, page_numbers=True)
    pdf.set_margins(20, 18, 20)
    pdf.set_y(18)  # the first page was opened with the default margins
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_lang(language(draft.locale).tag)
    _text(pdf, draft.title, 17, "B")
    pdf.ln(1)
    for line in draft.lines:
        _text(pdf, line, 10, "I")
    if draft.working_lines:
        pdf.set_text_color(*_GREY)
        for line in draft.working_lines:
            _text(pdf, line, 10, "I")
        pdf.set_text_color(0, 0, 0)
    for section in draft.sections:
        _heading(pdf, section.title)
        for at, block in enumerate(section.blocks):
            _block(pdf, block, source_after(section.blocks, at), draft.locale)
    if draft.notes or draft.working_notes:
        pdf.ln(5)
        pdf.set_text_color(*_GREY)
        for note in (*draft.notes, *draft.working_notes):
            _text(pdf, note, 8, "I")
        pdf.set_text_color(0, 0, 0)
    return bytes(pdf.output())
