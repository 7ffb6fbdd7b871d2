"""Reading back a synthesis the counsellor edited (DOCX or ODT) into the draft model.

The file is a Telegram upload: a stranger's bytes until proven otherwise. So
the size is checked before anything is parsed, the zip's declared sizes and
entry count before any XML is read (the ``zipfile`` module never inflates an
entry past its declared size), and XML is parsed without DTDs or entities.
Every failure ends as ``EditedFileRefused`` with a reason the handler can put
into words; no file name or content ever reaches a message or a log line.

How paragraphs are read: the title style gives the title; each level-1
heading opens a section; deeper headings are sub-headings; list paragraphs
are items; our "person's words" style is a quote (its source is the small
paragraph after it); our "to write" style is a prompt as long as it still
starts with ✎ (typing over a prompt keeps its style, and the counsellor's own
sentence must not be read as a prompt); our "working version only" style
holds what the final document leaves out (the version's date, notes to the
counsellor); everything else is text. Text before the first level-1 heading
gives the lines under the title.
"""

from __future__ import annotations

import enum
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from bot.features.synthesis.word_file import (
    NOTE_STYLE,
    PROMPT_MARK,
    QUOTE_STYLE,
    SOURCE_MARK,
    SOURCE_STYLE,
    TO_WRITE_STYLE,
    WORKING_STYLE,
)
from dialogues.languages import pick
from dialogues.synthesis_model import Block, BlockKind, Section, SynthesisDraft

if TYPE_CHECKING:
    from docx.document import Document

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 2000
MAX_XML_PART_BYTES = 16 * 1024 * 1024
"""Per XML part: a long synthesis is well under 2 MB of XML, and parsing costs about
ten times the part's size in memory (odfpy more), so the total allowance is for images."""
_MAX_MANIFEST_BYTES = 1024 * 1024

_DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_ODT_MIMETYPES = (
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.text-template",
)
_DEFAULT_TITLE = {"fr": "Document de synthèse", "en": "Synthesis document"}


class UploadRefusal(enum.StrEnum):
    NOT_EDITABLE = "not_editable"
    """Not a .docx or .odt (a PDF, an image, an old .doc, a spreadsheet)."""
    TOO_LARGE = "too_large"
    DAMAGED = "damaged"
    """Not a valid zip or XML, a zip bomb, or parts missing."""
    EMPTY = "empty"
    """Opens, but holds no text at all."""


class EditedFileRefused(Exception):
    """The edited file cannot become a version; ``reason`` says why, never what it held."""

    def __init__(self, reason: UploadRefusal) -> None:
        super().__init__(f"edited synthesis refused: {reason.value}")
        self.reason = reason


# --- What kind of file ------------------------------------------------------------------------


def _open_zip(data: bytes) -> zipfile.ZipFile | None:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None


def _small_entry(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = archive.getinfo(name)
        if info.file_size > _MAX_MANIFEST_BYTES:
            return None
        return archive.read(info)
    except Exception:
        return None


def _kind_of(archive: zipfile.ZipFile) -> Literal["docx", "odt"] | None:
    mimetype = _small_entry(archive, "mimetype")
    if mimetype is not None:
        return "odt" if mimetype.strip().decode("ascii", "replace") in _ODT_MIMETYPES else None
    types = _small_entry(archive, "[Content_Types].xml")
    if types is None:
        return None
    try:
        from defusedxml.ElementTree import fromstring

        root = fromstring(types, forbid_dtd=True)
    except Exception:
        return None
    for element in root.iter():
        if element.tag.endswith("}Override") and element.get("ContentType") == _DOCX_MAIN:
            return "docx"
    return None


def editable_kind(data: bytes) -> Literal["docx", "odt"] | None:
    """Which editable format the bytes are, by their content (never by the file name)."""
    archive = _open_zip(data)
    if archive is None:
        return None
    with archive:
        return _kind_of(archive)


def _looks_like_zip(data: bytes, filename: str | None) -> bool:
    named = (filename or "").lower().endswith((".docx", ".odt"))
    return data.startswith(b"PK") or named


def _is_xml(info: zipfile.ZipInfo) -> bool:
    return info.filename.lower().endswith((".xml", ".rels"))


def _check_archive(data: bytes, filename: str | None) -> Literal["docx", "odt"]:
    archive = _open_zip(data)
    if archive is None:
        # A broken zip that meant to be a document is damaged; anything else is not ours.
        refusal = UploadRefusal.DAMAGED if _looks_like_zip(data, filename) else None
        raise EditedFileRefused(refusal or UploadRefusal.NOT_EDITABLE)
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise EditedFileRefused(UploadRefusal.DAMAGED)
        if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED_BYTES:
            raise EditedFileRefused(UploadRefusal.DAMAGED)
        if any(_is_xml(info) and info.file_size > MAX_XML_PART_BYTES for info in infos):
            raise EditedFileRefused(UploadRefusal.DAMAGED)
        if any(info.flag_bits & 0x1 for info in infos):  # encrypted entries
            raise EditedFileRefused(UploadRefusal.DAMAGED)
        kind = _kind_of(archive)
        if kind is not None:
            return kind
        names = {info.filename for info in infos}
        if "[Content_Types].xml" in names or "mimetype" in names:
            raise EditedFileRefused(UploadRefusal.NOT_EDITABLE)  # a spreadsheet, a slide deck
        named = (filename or "").lower().endswith((".docx", ".odt"))
        raise EditedFileRefused(UploadRefusal.DAMAGED if named else UploadRefusal.NOT_EDITABLE)


# --- From paragraphs to the model -------------------------------------------------------------


class Role(enum.Enum):
    TITLE = "title"
    SECTION = "section"
    HEADING = "heading"
    ITEM = "item"
    QUOTE = "quote"
    SOURCE = "source"
    TO_WRITE = "to_write"
    NOTE = "note"
    WORKING = "working"
    TEXT = "text"


@dataclass
class _Builder:
    """Turns (role, text) pairs, in reading order, into a draft."""

    locale: str
    title: str | None = None
    lines: list[str] = field(default_factory=list)
    sections: list[tuple[str, list[Block]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    working_lines: list[str] = field(default_factory=list)
    working_notes: list[str] = field(default_factory=list)
    any_text: bool = False

    def add(self, role: Role, raw: str) -> None:
        text = _clean(raw)
        if not text:
            return
        self.any_text = True
        if role is Role.TITLE and self.title is None:
            self.title = text
        elif role is Role.SECTION:
            self.sections.append((text, []))
        elif role is Role.NOTE:
            self.notes.append(text)
        elif role is Role.WORKING:
            (self.working_notes if self.sections else self.working_lines).append(text)
        elif not self.sections:
            self.lines.append(text if role is not Role.TO_WRITE else _strip_prompt(text))
        else:
            self._block(role, text)

    def _block(self, role: Role, text: str) -> None:
        blocks = self.sections[-1][1]
        if role is Role.SOURCE:
            last = blocks[-1] if blocks else None
            source = text.lstrip(SOURCE_MARK).strip()
            marked = (BlockKind.QUOTE, BlockKind.ITEM, BlockKind.TEXT)
            if last is not None and last.kind in marked and last.source is None:
                # A source line after a run of items names the whole run's source,
                # but only the last block takes it: the run prints the same, and a
                # bullet the counsellor added above is never taken for the person's.
                blocks[-1] = Block(last.kind, last.text, source or None)
            else:
                blocks.append(Block(BlockKind.TEXT, text))
            return
        if role is Role.QUOTE:
            blocks.append(Block(BlockKind.QUOTE, _strip_quotes(text)))
        elif role is Role.TO_WRITE and text.startswith(PROMPT_MARK):
            blocks.append(Block(BlockKind.TO_WRITE, _strip_prompt(text)))
        elif role in (Role.HEADING, Role.TITLE):
            blocks.append(Block(BlockKind.HEADING, text))
        elif role is Role.ITEM:
            blocks.append(Block(BlockKind.ITEM, text))
        else:
            blocks.append(Block(BlockKind.TEXT, text))

    def draft(self) -> SynthesisDraft:
        if not self.any_text:
            raise EditedFileRefused(UploadRefusal.EMPTY)
        default = pick(_DEFAULT_TITLE, self.locale, "the default title of an edited synthesis")
        return SynthesisDraft(
            title=self.title or default,
            lines=tuple(self.lines),
            sections=tuple(
                Section("edited", title, tuple(blocks)) for title, blocks in self.sections
            ),
            notes=tuple(self.notes),
            locale=self.locale,
            working_lines=tuple(self.working_lines),
            working_notes=tuple(self.working_notes),
        )


_SPACES = re.compile(r"[ \t\u00a0\u202f]+")


def _clean(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _strip_quotes(text: str) -> str:
    return text.strip().strip('«»“”"„ \u00a0\u202f').strip() or text


def _strip_prompt(text: str) -> str:
    return text.lstrip(PROMPT_MARK).strip() or text


def _custom_role(name: str | None, style_id: str | None) -> Role | None:
    for style, role in (
        (QUOTE_STYLE, Role.QUOTE),
        (SOURCE_STYLE, Role.SOURCE),
        (TO_WRITE_STYLE, Role.TO_WRITE),
        (NOTE_STYLE, Role.NOTE),
        (WORKING_STYLE, Role.WORKING),
    ):
        if style.matches(name, style_id):
            return role
    return None


_HEADING_NAME = re.compile(r"^heading\s*(\d)$")


def _named_role(name: str) -> Role | None:
    """Roles from the built-in style names Word and LibreOffice share."""
    folded = name.strip().casefold().replace("_20_", " ")
    if folded == "title":
        return Role.TITLE
    heading = _HEADING_NAME.match(folded)
    if heading:
        return Role.SECTION if heading.group(1) == "1" else Role.HEADING
    if folded.startswith("list"):
        return Role.ITEM
    return None


# --- DOCX ----------------------------------------------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


def _docx_paragraph_text(paragraph: Any) -> str:
    """Visible text, tracked insertions included, deletions and text-box copies left out."""
    parts: list[str] = []
    skip = {_w("txbxContent"), f"{{{_MC}}}Fallback", _w("del"), _w("instrText")}

    def walk(element: Any) -> None:
        for child in element:
            tag = child.tag
            if tag in skip:
                continue
            if tag == _w("t"):
                parts.append(child.text or "")
            elif tag == _w("tab"):
                parts.append(" ")
            elif tag in (_w("br"), _w("cr")):
                parts.append("\n")
            else:
                walk(child)

    walk(paragraph)
    return "".join(parts)


class _DocxStyles:
    """Roles of a DOCX file's paragraph styles, following each style's parents."""

    def __init__(self, document: Document) -> None:
        from docx.enum.style import WD_STYLE_TYPE

        self._by_id: dict[str, Any] = {}
        self._default: Any = None
        for style in document.styles:
            if style.type == WD_STYLE_TYPE.PARAGRAPH:
                self._by_id[style.style_id] = style
                if style.element.default:
                    self._default = style
        self._cache: dict[str | None, tuple[Role | None, bool]] = {}

    def role(self, style_id: str | None) -> tuple[Role | None, bool]:
        """(role, numbered) for a paragraph style id."""
        if style_id not in self._cache:
            self._cache[style_id] = self._resolve(style_id)
        return self._cache[style_id]

    def _resolve(self, style_id: str | None) -> tuple[Role | None, bool]:
        style = self._by_id.get(style_id) if style_id else self._default
        numbered = False
        seen: set[int] = set()
        while style is not None and id(style) not in seen:
            seen.add(id(style))
            ppr = style.element.pPr
            numbered = numbered or (ppr is not None and ppr.find(_w("numPr")) is not None)
            role = _custom_role(style.name, style.style_id) or _named_role(style.name or "")
            if role is not None:
                return role, numbered
            level = ppr.find(_w("outlineLvl")) if ppr is not None else None
            if level is not None and level.get(_w("val")) in ("0", "1", "2"):
                return (Role.SECTION if level.get(_w("val")) == "0" else Role.HEADING), numbered
            style = style.base_style
        return None, numbered


def _docx_body(element: Any) -> Iterator[Any]:
    """Paragraphs and tables in reading order, through content controls, minus a contents table."""
    for child in element:
        if child.tag in (_w("p"), _w("tbl")):
            yield child
        elif child.tag == _w("sdt"):
            gallery = child.find(f"{_w('sdtPr')}/{_w('docPartObj')}/{_w('docPartGallery')}")
            if gallery is not None and "content" in (gallery.get(_w("val")) or "").lower():
                continue
            content = child.find(_w("sdtContent"))
            if content is not None:
                yield from _docx_body(content)
        elif child.tag in (_w("customXml"), _w("ins")):
            yield from _docx_body(child)


def _docx_row_text(row: Any) -> str:
    cells = []
    for cell in row.iter(_w("tc")):
        text = " ".join(_docx_paragraph_text(p) for p in cell.iter(_w("p")))
        if text.strip():
            cells.append(text)
    return " — ".join(cells)


def _read_docx(data: bytes, builder: _Builder) -> None:
    import docx

    document = docx.Document(io.BytesIO(data))
    styles = _DocxStyles(document)
    for element in _docx_body(document.element.body):
        if element.tag == _w("tbl"):
            for row in element.findall(_w("tr")):
                builder.add(Role.TEXT, _docx_row_text(row))
            continue
        ppr = element.find(_w("pPr"))
        style_id = None
        if ppr is not None and ppr.find(_w("pStyle")) is not None:
            style_id = ppr.find(_w("pStyle")).get(_w("val"))
        role, numbered = styles.role(style_id)
        if role is None:
            own_numbering = ppr is not None and ppr.find(_w("numPr")) is not None
            role = Role.ITEM if numbered or own_numbering else Role.TEXT
        builder.add(role, _docx_paragraph_text(element))


# --- ODT ---------------------------------------------------------------------------------

_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_STYLE_NS = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"


def _prevalidate_odt(data: bytes) -> None:
    """Parse every XML part once with defusedxml before odfpy sees it.

    odfpy already uses defusedxml, but on a parse error it *prints the part*
    to standard output; a part that parses here cannot take that path.
    """
    from defusedxml.ElementTree import fromstring

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        if "content.xml" not in names:
            raise EditedFileRefused(UploadRefusal.DAMAGED)
        for name in ("content.xml", "styles.xml", "meta.xml", "settings.xml"):
            if name in names:
                part = archive.read(name)
                part.decode("utf-8")  # odfpy decodes strictly as UTF-8
                fromstring(part, forbid_dtd=True)


class _OdtStyles:
    def __init__(self, document: Any) -> None:
        self._styles: dict[str, Any] = {}
        for container in (document.styles, document.automaticstyles):
            for element in container.childNodes:
                if element.qname == (_STYLE_NS, "style"):
                    name = element.getAttrNS(_STYLE_NS, "name")
                    if name:
                        self._styles[name] = element

    def role(self, name: str | None) -> Role | None:
        seen: set[str] = set()
        while name and name not in seen:
            seen.add(name)
            style = self._styles.get(name)
            display = style.getAttrNS(_STYLE_NS, "display-name") if style is not None else None
            for candidate in (display, name.replace("_20_", " ")):
                if candidate:
                    role = _custom_role(candidate, name) or _named_role(candidate)
                    if role is not None:
                        return role
            name = style.getAttrNS(_STYLE_NS, "parent-style-name") if style is not None else None
        return None


def _odt_text(element: Any) -> str:
    parts: list[str] = []

    def walk(node: Any) -> None:
        for child in node.childNodes:
            if child.nodeType == child.TEXT_NODE:
                parts.append(str(child.data))
                continue
            qname = child.qname
            if qname == (_TEXT_NS, "s"):
                parts.append(" " * min(int(child.getAttrNS(_TEXT_NS, "c") or 1), 100))
            elif qname == (_TEXT_NS, "tab"):
                parts.append(" ")
            elif qname == (_TEXT_NS, "line-break"):
                parts.append("\n")
            elif qname[1] in ("note", "annotation", "frame"):
                continue
            else:
                walk(child)

    walk(element)
    return "".join(parts)


def _odt_walk(node: Any, styles: _OdtStyles, builder: _Builder, in_list: bool) -> None:
    for child in node.childNodes:
        if child.nodeType == child.TEXT_NODE:
            continue
        namespace, local = child.qname
        if namespace == _TEXT_NS and local == "h":
            level = child.getAttrNS(_TEXT_NS, "outline-level") or "1"
            role = styles.role(child.getAttrNS(_TEXT_NS, "style-name"))
            if role not in (Role.TITLE, Role.SECTION, Role.HEADING):
                role = Role.SECTION if level == "1" else Role.HEADING
            builder.add(role, _odt_text(child))
        elif namespace == _TEXT_NS and local == "p":
            role = styles.role(child.getAttrNS(_TEXT_NS, "style-name"))
            if role is None:
                role = Role.ITEM if in_list else Role.TEXT
            builder.add(role, _odt_text(child))
        elif namespace == _TEXT_NS and local in ("list", "list-item", "list-header"):
            _odt_walk(child, styles, builder, in_list=True)
        elif namespace == _TABLE_NS and local == "table":
            for row in child.getElementsByType(_row_type()):
                cells = [_odt_text(p) for p in row.getElementsByType(_paragraph_type())]
                builder.add(Role.TEXT, " — ".join(c for c in cells if c.strip()))
        elif namespace == _TEXT_NS and local in ("section", "soft-page-break"):
            _odt_walk(child, styles, builder, in_list)
        # tables of contents, indexes, forms and drawings are left out


def _row_type() -> Any:
    from odf.table import TableRow

    return TableRow


def _paragraph_type() -> Any:
    from odf.text import P

    return P


def _read_odt(data: bytes, builder: _Builder) -> None:
    from odf.opendocument import load

    _prevalidate_odt(data)
    document = load(io.BytesIO(data))
    if document.text is None:
        raise EditedFileRefused(UploadRefusal.NOT_EDITABLE)
    _odt_walk(document.text, _OdtStyles(document), builder, in_list=False)


# --- The door -----------------------------------------------------------------------------


def read_edited(data: bytes, filename: str | None, locale: str) -> SynthesisDraft:
    """The counsellor's edited file as a draft, or ``EditedFileRefused``: nothing else escapes."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise EditedFileRefused(UploadRefusal.TOO_LARGE)
    if not data:
        raise EditedFileRefused(UploadRefusal.EMPTY)
    kind = _check_archive(data, filename)
    builder = _Builder(locale)
    try:
        if kind == "docx":
            _read_docx(data, builder)
        else:
            _read_odt(data, builder)
    except EditedFileRefused:
        raise
    except Exception:
        # Any parser failure on a stranger's file; the exception itself is dropped
        # because its message may quote the file's content.
        raise EditedFileRefused(UploadRefusal.DAMAGED) from None
    return builder.draft()
