"""The document de synthèse as a Word file (python-docx) the counsellor can edit.

Headings are Word's own ``Title`` / ``Heading 1`` / ``Heading 2`` so the
navigation pane and a table of contents work. The beneficiary's words and the
prompts left for the counsellor get paragraph styles of their own: a reader
sees them at a glance, and when the file comes back the styles say which
paragraph is which (see ``bot.features.synthesis.edited_file``). The style *names* are in
the draft's language, because the counsellor sees them in the style gallery;
both languages are recognised on the way back.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dialogues.languages import language, pick
from dialogues.synthesis_model import Block, BlockKind, SynthesisDraft

if TYPE_CHECKING:
    from docx.document import Document
    from docx.styles.style import ParagraphStyle

PROMPT_MARK = "✎"
SOURCE_MARK = "◆"
_BLUE = (0x1F, 0x5F, 0x8B)
_GREY = (0x6B, 0x6B, 0x6B)
_FONT = "Calibri"  # Word's default; LibreOffice prints it with the metric-twin Carlito


@dataclass(frozen=True)
class CustomStyle:
    """One of our paragraph styles: a stable id, and a name per language."""

    style_id: str
    names: dict[str, str]

    def name(self, locale: str) -> str:
        return pick(self.names, locale, f"the names of style {self.style_id}")

    def matches(self, name: str | None, style_id: str | None) -> bool:
        folded = (name or "").strip().casefold()
        return style_id == self.style_id or folded in {n.casefold() for n in self.names.values()}


QUOTE_STYLE = CustomStyle(
    "BilanQuote", {"fr": "Paroles de la personne", "en": "The person's words"}
)
SOURCE_STYLE = CustomStyle("BilanSource", {"fr": "Source des paroles", "en": "Source of the words"})
TO_WRITE_STYLE = CustomStyle("BilanToWrite", {"fr": "À rédiger", "en": "To write"})
NOTE_STYLE = CustomStyle("BilanNote", {"fr": "Note de lecture", "en": "Reading note"})
WORKING_STYLE = CustomStyle(
    "BilanWorking", {"fr": "Version de travail seulement", "en": "Working version only"}
)
"""Paragraphs for the working versions (the version's date, notes to the counsellor):
read back as such, and left out of the final document."""


def quoted(text: str, locale: str) -> str:
    return language(locale).quoted(text)


def prompt_text(text: str) -> str:
    return f"{PROMPT_MARK} {text}"


def source_text(source: str) -> str:
    return f"{SOURCE_MARK} {source}"


def _set_language(style: ParagraphStyle, locale: str) -> None:
    """Spelling and hyphenation in the draft's language (python-docx has no API for it)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rpr = style.element.get_or_add_rPr()
    for old in rpr.findall(qn("w:lang")):
        rpr.remove(old)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), language(locale).tag)
    rpr.append(lang)


def _prepare_styles(document: Document, locale: str) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_COLOR_INDEX
    from docx.shared import Pt, RGBColor

    styles = document.styles
    normal = styles["Normal"]
    assert normal.type == WD_STYLE_TYPE.PARAGRAPH
    normal.font.name = _FONT
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    _set_language(normal, locale)
    for name, size in (("Title", 24), ("Heading 1", 15), ("Heading 2", 12.5)):
        style = styles[name]
        style.font.name = _FONT
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(*_BLUE)
    styles["Heading 1"].paragraph_format.space_before = Pt(18)
    styles["List Bullet"].font.name = _FONT

    quote = styles.add_style(QUOTE_STYLE.name(locale), WD_STYLE_TYPE.PARAGRAPH)
    quote.style_id = QUOTE_STYLE.style_id
    quote.base_style = normal
    quote.font.italic = True
    quote.paragraph_format.left_indent = Pt(18)
    quote.paragraph_format.space_after = Pt(0)
    quote.paragraph_format.keep_with_next = True

    source = styles.add_style(SOURCE_STYLE.name(locale), WD_STYLE_TYPE.PARAGRAPH)
    source.style_id = SOURCE_STYLE.style_id
    source.base_style = normal
    source.font.size = Pt(8.5)
    source.font.color.rgb = RGBColor(*_GREY)
    source.paragraph_format.left_indent = Pt(18)
    source.paragraph_format.space_after = Pt(8)

    to_write = styles.add_style(TO_WRITE_STYLE.name(locale), WD_STYLE_TYPE.PARAGRAPH)
    to_write.style_id = TO_WRITE_STYLE.style_id
    to_write.base_style = normal
    to_write.font.highlight_color = WD_COLOR_INDEX.YELLOW
    # Enter after a prompt starts an ordinary paragraph: what the counsellor
    # writes below a prompt is not mistaken for another prompt.
    to_write.next_paragraph_style = normal

    note = styles.add_style(NOTE_STYLE.name(locale), WD_STYLE_TYPE.PARAGRAPH)
    note.style_id = NOTE_STYLE.style_id
    note.base_style = normal
    note.font.italic = True
    note.font.size = Pt(8.5)
    note.font.color.rgb = RGBColor(*_GREY)

    working = styles.add_style(WORKING_STYLE.name(locale), WD_STYLE_TYPE.PARAGRAPH)
    working.style_id = WORKING_STYLE.style_id
    working.base_style = normal
    working.font.italic = True
    working.font.color.rgb = RGBColor(*_GREY)


def _page_setup(document: Document) -> None:
    from docx.shared import Mm

    for section in document.sections:
        section.page_width = Mm(210)
        section.page_height = Mm(297)
        section.left_margin = section.right_margin = Mm(22)
        section.top_margin = section.bottom_margin = Mm(20)


def source_after(blocks: Sequence[Block], at: int) -> str | None:
    """The source to print after ``blocks[at]``, or None.

    A run of list items (or of quotes) from the same answer carries its source
    once, after its last block: one grey line per run, not one per bullet.
    """
    block = blocks[at]
    if not block.source or block.kind is BlockKind.TO_WRITE:
        return None
    following = blocks[at + 1] if at + 1 < len(blocks) else None
    if (
        following is not None
        and block.kind in GROUPED_KINDS
        and following.kind is block.kind
        and following.source == block.source
    ):
        return None
    return block.source


GROUPED_KINDS = (BlockKind.ITEM, BlockKind.QUOTE)


def _add_block(document: Document, block: Block, source: str | None, locale: str) -> None:
    if block.kind is BlockKind.HEADING:
        document.add_heading(block.text, level=2)
    elif block.kind is BlockKind.ITEM:
        document.add_paragraph(block.text, style="List Bullet")
    elif block.kind is BlockKind.QUOTE:
        document.add_paragraph(quoted(block.text, locale), style=QUOTE_STYLE.name(locale))
    elif block.kind is BlockKind.TO_WRITE:
        document.add_paragraph(prompt_text(block.text), style=TO_WRITE_STYLE.name(locale))
    else:
        document.add_paragraph(block.text)
    if source:
        # Whatever comes from the person's answers says so, quote or item alike.
        document.add_paragraph(source_text(source), style=SOURCE_STYLE.name(locale))


def draft_docx(draft: SynthesisDraft) -> bytes:
    """The draft as an A4 Word document, ready to be edited and sent back."""
    import docx

    document = docx.Document()
    _page_setup(document)
    _prepare_styles(document, draft.locale)
    properties = document.core_properties
    properties.title = draft.title
    properties.author = ""
    properties.last_modified_by = ""
    properties.comments = ""
    properties.language = language(draft.locale).tag

    document.add_heading(draft.title, level=0)
    for line in draft.lines:
        document.add_paragraph(line)
    for line in draft.working_lines:
        document.add_paragraph(line, style=WORKING_STYLE.name(draft.locale))
    for section in draft.sections:
        document.add_heading(section.title, level=1)
        for at, block in enumerate(section.blocks):
            _add_block(document, block, source_after(section.blocks, at), draft.locale)
    for note in draft.notes:
        document.add_paragraph(note, style=NOTE_STYLE.name(draft.locale))
    for note in draft.working_notes:
        document.add_paragraph(note, style=WORKING_STYLE.name(draft.locale))

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
