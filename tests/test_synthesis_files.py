"""The synthesis files: what a counsellor opens, prints, edits and sends back."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date
from typing import Any

import docx
import pytest
from docx.enum.text import WD_COLOR_INDEX
from docx.shared import Mm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.features.synthesis.files import (
    MAX_UPLOAD_BYTES,
    EditedFileRefused,
    UploadRefusal,
    draft_docx,
    draft_pdf,
    editable_kind,
    page_count,
    read_edited,
)
from dialogues.synthesis import assemble, final_version
from dialogues.synthesis_model import Block, BlockKind, Section, SynthesisDraft
from tests.pdf_text import flat, pdf_pages, pdf_text
from tests.synthesis_persona import TYPED

K = BlockKind


def french_draft(repeat: int = 1) -> SynthesisDraft:
    """A draft like the assembly makes, with every regulatory section."""
    experiences = tuple(
        Block(
            K.QUOTE,
            f"J'ai organisé le déménagement de l'entrepôt n°{n} en trois semaines, "
            "sans arrêter les livraisons, avec une équipe de huit personnes.",
            "Dossier d'auto-bilan — Vos réussites",
        )
        for n in range(1, repeat + 1)
    )
    return SynthesisDraft(
        title="Document de synthèse — bilan de compétences",
        lines=(
            "Bénéficiaire : Claire Martin",
            "Conseillère : Inès Dupont",
            "Bilan du 3 mars 2025 au 28 avril 2025",
        ),
        sections=(
            Section(
                "circumstances",
                "Circonstances du bilan",
                (
                    Block(K.TEXT, "Le bilan a commencé le 3 mars 2025 ; six séances ont eu lieu."),
                    Block(
                        K.QUOTE,
                        "Je ne me vois plus faire ce métier dans cinq ans.",
                        "Dossier d'auto-bilan — Vos attentes",
                    ),
                    Block(K.TO_WRITE, "Décrivez avec la personne ce qui l'a amenée au bilan."),
                ),
            ),
            Section(
                "skills",
                "Compétences et aptitudes au regard de l'évolution envisagée",
                (
                    Block(K.HEADING, "Savoir-faire"),
                    Block(K.ITEM, "Gérer un budget d'exploitation"),
                    Block(K.ITEM, "Planifier l'activité d'une équipe"),
                    Block(K.HEADING, "Savoir-être"),
                    Block(K.ITEM, "Sens de l'organisation"),
                    *experiences,
                ),
            ),
            Section(
                "project",
                "Projet professionnel et projet de formation",
                (
                    Block(K.TEXT, "Métier visé : responsable logistique (ROME N1301)."),
                    Block(K.TEXT, "Projet alternatif : chargée d'approvisionnement (N1309)."),
                    Block(K.TO_WRITE, "Précisez le projet de formation, s'il y en a un."),
                ),
            ),
            Section(
                "factors",
                "Facteurs favorables et points de vigilance",
                (
                    Block(K.HEADING, "Facteurs favorables"),
                    Block(K.ITEM, "Profil d'intérêts : code RIA"),
                    Block(K.HEADING, "Points de vigilance"),
                    Block(K.QUOTE, "Je ne peux pas déménager avant 2027.", "Contraintes"),
                ),
            ),
            Section(
                "steps",
                "Principales étapes prévues",
                (
                    Block(K.ITEM, "Enquête métier auprès de deux responsables logistiques"),
                    Block(K.ITEM, "Dossier CPF pour la formation CACES"),
                    Block(K.TO_WRITE, "Ajoutez les dates convenues."),
                ),
            ),
        ),
        notes=(
            "Les passages entre guillemets, suivis de ◆, sont les mots de la personne.",
            "Document confidentiel, remis à la seule bénéficiaire.",
        ),
        locale="fr",
    )


def english_draft() -> SynthesisDraft:
    return SynthesisDraft(
        title="Synthesis document",
        lines=("Beneficiary: Sam Lee",),
        sections=(
            Section(
                "circumstances",
                "Circumstances of the assessment",
                (
                    Block(K.QUOTE, "I want a job closer to home.", "Self-assessment — Hopes"),
                    Block(K.TO_WRITE, "Describe the request."),
                ),
            ),
        ),
        locale="en",
    )


def paragraphs(data: bytes) -> list[tuple[str, str]]:
    document = docx.Document(io.BytesIO(data))
    return [(p.style.name if p.style else "", p.text) for p in document.paragraphs]


# --- DOCX --------------------------------------------------------------------------------


def test_docx_has_every_block_with_word_headings_and_marked_quotes() -> None:
    draft = french_draft()
    data = draft_docx(draft)
    found = paragraphs(data)
    texts = [text for _, text in found]

    assert ("Title", draft.title) in found
    for section in draft.sections:
        assert ("Heading 1", section.title) in found
        for block in section.blocks:
            if block.kind is K.HEADING:
                assert ("Heading 2", block.text) in found
            elif block.kind is K.ITEM:
                assert ("List Bullet", block.text) in found
            elif block.kind is K.TO_WRITE:
                assert ("À rédiger", f"✎ {block.text}") in found
            elif block.kind is K.TEXT:
                assert ("Normal", block.text) in found
    for line in draft.lines:
        assert line in texts
    for note in draft.notes:
        assert ("Note de lecture", note) in found

    # Each quote: its own style, French marks, then its source in small grey.
    quotes = [b for b in draft.blocks() if b.kind is K.QUOTE]
    for quote in quotes:
        at = found.index(("Paroles de la personne", f"«\u00a0{quote.text}\u00a0»"))
        assert found[at + 1] == ("Source des paroles", f"◆ {quote.source}")


def test_docx_page_and_styles_a_reader_sees() -> None:
    document = docx.Document(io.BytesIO(draft_docx(french_draft())))
    section = document.sections[0]
    assert section.page_width is not None and section.page_height is not None
    assert abs(section.page_width - Mm(210)) < Mm(1)
    assert abs(section.page_height - Mm(297)) < Mm(1)
    styles = document.styles
    assert styles["Paroles de la personne"].font.italic is True
    assert styles["À rédiger"].font.highlight_color == WD_COLOR_INDEX.YELLOW
    assert styles["À rédiger"].next_paragraph_style.name == "Normal"
    assert styles["Normal"].font.size.pt == 11
    assert document.core_properties.title == french_draft().title
    assert document.core_properties.author == ""
    assert "python-docx" not in document.core_properties.comments


def test_english_draft_uses_english_marks_and_style_names() -> None:
    found = paragraphs(draft_docx(english_draft()))
    assert ("The person's words", "“I want a job closer to home.”") in found
    assert ("Source of the words", "◆ Self-assessment — Hopes") in found
    assert ("To write", "✎ Describe the request.") in found
    back = read_edited(draft_docx(english_draft()), "synthesis.docx", "en")
    assert back.sections[0].blocks == english_draft().sections[0].blocks


# --- PDF ---------------------------------------------------------------------------------


class _Spy:
    """What draft_pdf hands to fpdf2: each text with its font style and fill."""

    def __init__(self) -> None:
        self.written: list[tuple[str, str, bool]] = []

    def texts(self) -> list[str]:
        return [text for text, _, _ in self.written]


@pytest.fixture
def pdf_spy(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Spy]:
    from fpdf import FPDF

    spy = _Spy()
    real_multi, real_cell = FPDF.multi_cell, FPDF.cell

    def multi_cell(self: Any, w: Any, h: Any = None, text: str = "", *a: Any, **kw: Any) -> Any:
        spy.written.append((text, self.font_style, bool(kw.get("fill"))))
        return real_multi(self, w, h, text, *a, **kw)

    def cell(self: Any, w: Any = None, h: Any = None, text: str = "", *a: Any, **kw: Any) -> Any:
        spy.written.append((text, self.font_style, bool(kw.get("fill"))))
        return real_cell(self, w, h, text, *a, **kw)

    monkeypatch.setattr(FPDF, "multi_cell", multi_cell)
    monkeypatch.setattr(FPDF, "cell", cell)
    yield spy


def test_pdf_prints_every_block_with_the_same_marks(pdf_spy: _Spy) -> None:
    draft = french_draft()
    pdf = draft_pdf(draft)
    assert pdf.startswith(b"%PDF-")
    texts = pdf_spy.texts()
    for block in draft.blocks():
        if block.kind is K.QUOTE:
            assert (f"«\u00a0{block.text}\u00a0»", "I", False) in pdf_spy.written
            assert f"◆ {block.source}" in texts
        elif block.kind is K.TO_WRITE:
            assert (f"✎ {block.text}", "", True) in pdf_spy.written
        else:
            assert block.text in texts
    for words in (draft.title, *draft.lines, *draft.notes, *(s.title for s in draft.sections)):
        assert words in texts


def test_long_pdf_has_numbered_pages() -> None:
    """Every page ends with "n / total", the last one too (its digits once came out as boxes)."""
    pdf = draft_pdf(french_draft(repeat=40))
    pages = page_count(pdf)
    assert pages >= 3
    texts = pdf_pages(pdf)
    assert [text.splitlines()[-1] for text in texts] == [
        f"{n} / {pages}" for n in range(1, pages + 1)
    ]


def test_quotes_and_sources_are_left_aligned(monkeypatch: pytest.MonkeyPatch) -> None:
    """A person's words are never stretched to the margin; the draft's own text is justified."""
    from fpdf import FPDF

    aligned: dict[str, str] = {}
    real = FPDF.multi_cell

    def multi_cell(self: Any, w: Any, h: Any = None, text: str = "", *a: Any, **kw: Any) -> Any:
        aligned[text] = str(kw.get("align", "J"))
        return real(self, w, h, text, *a, **kw)

    monkeypatch.setattr(FPDF, "multi_cell", multi_cell)
    draft = french_draft()
    draft_pdf(draft)
    for block in draft.blocks():
        if block.kind is K.QUOTE:
            assert aligned[f"«\u00a0{block.text}\u00a0»"] == "L"
            assert aligned[f"◆ {block.source}"] == "L"
        elif block.kind is K.TEXT:
            assert aligned[block.text] == "J"


def _run_of_items() -> SynthesisDraft:
    source = "Dossier d'auto-bilan · Votre situation"
    blocks = (
        Block(K.ITEM, "Situation : Salariée en CDI", source),
        Block(K.ITEM, "Poste occupé : Aide-soignante", source),
        Block(K.ITEM, "Depuis : mars 2012", source),
        Block(K.ITEM, "Mobilité : Dans ma région", "Dossier d'auto-bilan · Vos contraintes"),
        Block(K.QUOTE, "Je veux transmettre.", "Dossier d'auto-bilan · Vos réussites"),
        Block(K.QUOTE, "J'ai formé douze stagiaires.", "Dossier d'auto-bilan · Vos réussites"),
    )
    return SynthesisDraft(
        title="Document de synthèse",
        lines=("Bénéficiaire : Claire Martin",),
        sections=(Section("circumstances", "Circonstances", blocks),),
        locale="fr",
    )


def test_one_source_line_per_run_of_items_from_the_same_answer() -> None:
    draft = _run_of_items()
    text = pdf_text(draft_pdf(draft))
    assert text.count("◆") == 3
    assert (
        flat(
            "• Depuis : mars 2012 ◆ Dossier d'auto-bilan · Votre situation "
            "• Mobilité : Dans ma région ◆ Dossier d'auto-bilan · Vos contraintes"
        )
        in text
    )
    assert text.index("Salariée en CDI") < text.index("Aide-soignante") < text.index("◆")
    found = paragraphs(draft_docx(draft))
    sources = [(at, t) for at, (style, t) in enumerate(found) if style == "Source des paroles"]
    assert [t for _, t in sources] == [
        "◆ Dossier d'auto-bilan · Votre situation",
        "◆ Dossier d'auto-bilan · Vos contraintes",
        "◆ Dossier d'auto-bilan · Vos réussites",
    ]
    assert found[sources[0][0] - 1] == ("List Bullet", "Depuis : mars 2012")
    # Read back, the run prints the same: one source line after it.
    back = read_edited(draft_docx(draft), None, "fr")
    assert paragraphs(draft_docx(back))[1:] == found[1:]


def test_the_final_pdf_is_final_and_the_working_one_says_it_is_not() -> None:
    """What the person keeps: no working-version line, no note to the counsellor, no prompt."""
    from tests.dialogues.test_synthesis_draft import material

    draft = assemble(material())
    working = pdf_text(draft_pdf(draft))
    assert "Version de travail du 26 novembre 2026, à relire ensemble" in working
    assert "ajoutez-y" in working and "✎" in working
    # The counsellor edits the DOCX and sends it back; the final is made from that file.
    edited = read_edited(draft_docx(draft), "synthese.docx", "fr")
    assert [flat(t) for t in edited.working_lines] == [flat(t) for t in draft.working_lines]
    assert [flat(t) for t in edited.working_notes] == [flat(t) for t in draft.working_notes]
    final_pdf = draft_pdf(final_version(edited, date(2026, 12, 2)))
    final = pdf_text(final_pdf)
    for gone in ("Version de travail", "à relire ensemble", "ajoutez-y", "✎", "Reformulez"):
        assert gone not in final, gone
    assert "Version définitive du 2 décembre 2026" in final
    assert flat("Ce document appartient à Sophie Marchand") in final
    assert flat(TYPED["reussite_1"]) in final
    pages = page_count(final_pdf)
    assert [p.splitlines()[-1] for p in pdf_pages(final_pdf)] == [
        f"{n} / {pages}" for n in range(1, pages + 1)
    ]


def test_short_pdf_is_one_page() -> None:
    assert page_count(draft_pdf(english_draft())) == 1


# --- Round trip --------------------------------------------------------------------------


def _remove(paragraph: Any) -> None:
    paragraph._element.getparent().remove(paragraph._element)


def test_edited_docx_becomes_the_new_version() -> None:
    draft = french_draft()
    document = docx.Document(io.BytesIO(draft_docx(draft)))
    by_text = {p.text: p for p in document.paragraphs}

    first = by_text["Le bilan a commencé le 3 mars 2025 ; six séances ont eu lieu."]
    first.text = "Le bilan a commencé le 3 mars 2025, à la demande de Claire."
    later = by_text["Métier visé : responsable logistique (ROME N1301)."]
    later.insert_paragraph_before("Claire a rencontré deux responsables logistiques.")
    _remove(by_text["✎ Ajoutez les dates convenues."])
    # Typing over a prompt keeps its style; what is written is the counsellor's text.
    prompt = by_text["✎ Précisez le projet de formation, s'il y en a un."]
    prompt.text = "Formation CACES en septembre."
    out = io.BytesIO()
    document.save(out)

    back = read_edited(out.getvalue(), "synthese.docx", "fr")

    assert back.title == draft.title
    assert back.lines == draft.lines
    assert back.notes == draft.notes
    assert [s.title for s in back.sections] == [s.title for s in draft.sections]
    assert {s.key for s in back.sections} == {"edited"}
    words = back.plain_text()
    assert "à la demande de Claire" in words
    assert "six séances" not in words
    assert "Claire a rencontré deux responsables logistiques." in words
    assert "Ajoutez les dates convenues." not in words
    blocks = list(back.blocks())
    assert Block(K.TEXT, "Formation CACES en septembre.") in blocks
    assert [b.text for b in blocks if b.kind is K.TO_WRITE] == [
        "Décrivez avec la personne ce qui l'a amenée au bilan."
    ]
    assert [b for b in blocks if b.kind is K.QUOTE] == [
        b for b in draft.blocks() if b.kind is K.QUOTE
    ]
    assert [b for b in blocks if b.kind in (K.ITEM, K.HEADING)] == [
        b for b in draft.blocks() if b.kind in (K.ITEM, K.HEADING)
    ]


def test_untouched_draft_reads_back_as_itself() -> None:
    draft = french_draft()
    back = read_edited(draft_docx(draft), None, "fr")
    assert [s.blocks for s in back.sections] == [s.blocks for s in draft.sections]


def test_a_word_like_file_reads_by_style_and_structure() -> None:
    """A file written elsewhere: numbered list paragraphs, a table, a heading style of its own."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    document.add_paragraph("Préambule écrit à la main")
    own = document.styles.add_style("Mon titre de partie", WD_STYLE_TYPE.PARAGRAPH)
    own.base_style = document.styles["Heading 1"]
    document.add_paragraph("Projet", style="Mon titre de partie")
    item = document.add_paragraph("Première étape", style="List Paragraph")
    num_pr = OxmlElement("w:numPr")
    num_id = OxmlElement("w:numId")
    num_id.set(qn("w:val"), "1")
    num_pr.append(num_id)
    item._p.get_or_add_pPr().append(num_pr)
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"case {r}{c}"
    document.add_paragraph("Fin.")
    out = io.BytesIO()
    document.save(out)

    back = read_edited(out.getvalue(), None, "fr")
    assert back.title == "Document de synthèse"
    assert back.lines == ("Préambule écrit à la main",)
    assert [s.title for s in back.sections] == ["Projet"]
    assert back.sections[0].blocks == (
        Block(K.ITEM, "Première étape"),
        Block(K.TEXT, "case 00 — case 01"),
        Block(K.TEXT, "case 10 — case 11"),
        Block(K.TEXT, "Fin."),
    )


# --- ODT ---------------------------------------------------------------------------------


def odt_file(with_quote: bool = True) -> bytes:
    from odf import style as ostyle
    from odf import table as otable
    from odf import text as otext
    from odf.opendocument import OpenDocumentText

    document = OpenDocumentText()
    title = ostyle.Style(name="Title", family="paragraph")
    quote = ostyle.Style(
        name="Paroles_20_de_20_la_20_personne",
        displayname="Paroles de la personne",
        family="paragraph",
    )
    source = ostyle.Style(
        name="Source_20_des_20_paroles", displayname="Source des paroles", family="paragraph"
    )
    for s in (title, quote, source):
        document.styles.addElement(s)
    auto = ostyle.Style(name="P1", family="paragraph", parentstylename="Title")
    document.automaticstyles.addElement(auto)

    body = document.text
    body.addElement(otext.P(stylename=auto, text="Synthèse revue"))
    body.addElement(otext.P(text="Bénéficiaire : Claire Martin"))
    body.addElement(otext.H(outlinelevel=1, text="Circonstances du bilan"))
    body.addElement(otext.P(text="Texte écrit par la conseillère."))
    if with_quote:
        body.addElement(otext.P(stylename=quote, text="« Je veux changer de métier. »"))
        body.addElement(otext.P(stylename=source, text="◆ Vos attentes"))
    body.addElement(otext.H(outlinelevel=2, text="Étapes"))
    listing = otext.List()
    for words in ("Enquête métier", "Dossier CPF"):
        entry = otext.ListItem()
        entry.addElement(otext.P(text=words))
        listing.addElement(entry)
    body.addElement(listing)
    grid = otable.Table(name="T1")
    grid.addElement(otable.TableColumn(numbercolumnsrepeated=2))
    row = otable.TableRow()
    for words in ("Septembre", "Formation"):
        cell = otable.TableCell()
        cell.addElement(otext.P(text=words))
        row.addElement(cell)
    grid.addElement(row)
    body.addElement(grid)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def test_odt_reads_back() -> None:
    data = odt_file()
    assert editable_kind(data) == "odt"
    back = read_edited(data, "synthese.odt", "fr")
    assert back.title == "Synthèse revue"
    assert back.lines == ("Bénéficiaire : Claire Martin",)
    assert [s.title for s in back.sections] == ["Circonstances du bilan"]
    assert back.sections[0].blocks == (
        Block(K.TEXT, "Texte écrit par la conseillère."),
        Block(K.QUOTE, "Je veux changer de métier.", "Vos attentes"),
        Block(K.HEADING, "Étapes"),
        Block(K.ITEM, "Enquête métier"),
        Block(K.ITEM, "Dossier CPF"),
        Block(K.TEXT, "Septembre — Formation"),
    )


def test_content_decides_not_the_name() -> None:
    data = draft_docx(french_draft())
    assert editable_kind(data) == "docx"
    assert read_edited(data, "synthese.pdf", "fr").title == french_draft().title
    assert editable_kind(draft_pdf(english_draft())) is None


# --- Refusals ----------------------------------------------------------------------------


def _refusal(data: bytes, filename: str | None = "synthese.docx") -> UploadRefusal:
    with pytest.raises(EditedFileRefused) as caught:
        read_edited(data, filename, "fr")
    assert str(caught.value) == f"edited synthesis refused: {caught.value.reason.value}"
    return caught.value.reason


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


def _png() -> bytes:
    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    signature = b"\x89PNG\r\n\x1a\n"
    return signature + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def _docx_with(build: Any) -> bytes:
    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_too_large_is_refused_before_anything_is_read() -> None:
    assert _refusal(b"PK\x03\x04" + b"\0" * MAX_UPLOAD_BYTES) is UploadRefusal.TOO_LARGE


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "synthese.pdf"),
        (_png(), "photo.png"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "synthese.doc"),
        (b"Just some words in a text file.", "notes.txt"),
    ],
    ids=["pdf", "png", "doc", "txt"],
)
def test_files_that_are_not_editable(data: bytes, filename: str) -> None:
    assert _refusal(data, filename) is UploadRefusal.NOT_EDITABLE


def test_our_own_pdf_is_not_editable() -> None:
    assert _refusal(draft_pdf(english_draft()), "synthese.pdf") is UploadRefusal.NOT_EDITABLE


def test_a_spreadsheet_is_not_editable() -> None:
    spreadsheet = _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"})
    assert _refusal(spreadsheet, "tableau.ods") is UploadRefusal.NOT_EDITABLE
    xlsx_types = (
        b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'content-types"><Override PartName="/xl/workbook.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
    )
    assert _refusal(_zip({"[Content_Types].xml": xlsx_types})) is UploadRefusal.NOT_EDITABLE


def test_truncated_docx_is_damaged() -> None:
    data = draft_docx(french_draft())
    assert _refusal(data[: len(data) // 2]) is UploadRefusal.DAMAGED


def test_docx_with_its_document_part_missing_is_damaged() -> None:
    with zipfile.ZipFile(io.BytesIO(draft_docx(french_draft()))) as archive:
        entries = {n: archive.read(n) for n in archive.namelist() if n != "word/document.xml"}
    assert _refusal(_zip(entries)) is UploadRefusal.DAMAGED


def test_docx_with_broken_xml_is_damaged() -> None:
    with zipfile.ZipFile(io.BytesIO(draft_docx(french_draft()))) as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    entries["word/document.xml"] = entries["word/document.xml"][:-40]
    assert _refusal(_zip(entries)) is UploadRefusal.DAMAGED


def test_zip_bomb_is_refused_without_inflating_it() -> None:
    with zipfile.ZipFile(io.BytesIO(draft_docx(french_draft()))) as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    entries["word/media/padding.bin"] = b"\0" * (51 * 1024 * 1024)
    bomb = _zip(entries)
    assert len(bomb) < 200_000
    assert _refusal(bomb) is UploadRefusal.DAMAGED


def test_oversized_xml_part_is_refused() -> None:
    """The images may weigh 50 MB; the text alone may not, or parsing it would take gigabytes."""
    with zipfile.ZipFile(io.BytesIO(draft_docx(french_draft()))) as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    document = entries["word/document.xml"]
    body = document.index(b"<w:body>") + len(b"<w:body>")
    paragraph = b"<w:p><w:r><w:t>" + b"mot " * 250 + b"</w:t></w:r></w:p>"
    entries["word/document.xml"] = document[:body] + paragraph * 17_000 + document[body:]
    assert _refusal(_zip(entries)) is UploadRefusal.DAMAGED
    entries["word/document.xml"] = document[:body] + paragraph * 1_000 + document[body:]
    lines = read_edited(_zip(entries), None, "fr").lines
    assert lines[:1000] == (("mot " * 250).strip(),) * 1000


def test_zip_with_too_many_entries_is_damaged() -> None:
    with zipfile.ZipFile(io.BytesIO(draft_docx(french_draft()))) as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    entries.update({f"customXml/item{n}.xml": b"<a/>" for n in range(2100)})
    assert _refusal(_zip(entries)) is UploadRefusal.DAMAGED


def test_entities_in_an_odt_are_refused_and_nothing_is_printed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "secret words secret words">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
        b'office:1.0"><office:body><office:text>&b;</office:text></office:body>'
        b"</office:document-content>"
    )
    with zipfile.ZipFile(io.BytesIO(odt_file())) as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    entries["content.xml"] = laughs
    assert _refusal(_zip(entries), "synthese.odt") is UploadRefusal.DAMAGED
    entries["content.xml"] = b"<office:document-content>secret words <unclosed>"
    assert _refusal(_zip(entries), "synthese.odt") is UploadRefusal.DAMAGED
    printed = capsys.readouterr()
    assert "secret" not in printed.out + printed.err


def test_empty_docx_and_images_only_are_empty() -> None:
    assert _refusal(_docx_with(lambda d: None)) is UploadRefusal.EMPTY
    assert _refusal(_docx_with(lambda d: d.add_paragraph("   "))) is UploadRefusal.EMPTY
    images_only = _docx_with(lambda d: d.add_picture(io.BytesIO(_png()), width=Mm(20)))
    assert editable_kind(images_only) == "docx"
    assert _refusal(images_only) is UploadRefusal.EMPTY
    assert _refusal(b"") is UploadRefusal.EMPTY


def test_empty_odt_is_empty() -> None:
    from odf.opendocument import OpenDocumentText

    out = io.BytesIO()
    OpenDocumentText().write(out)
    assert _refusal(out.getvalue(), "vide.odt") is UploadRefusal.EMPTY


# --- Fuzzing -----------------------------------------------------------------------------

_REAL_DOCX = draft_docx(french_draft())
_REAL_ODT = odt_file()


def _read_or_refuse(data: bytes, filename: str | None) -> None:
    try:
        back = read_edited(data, filename, "fr")
    except EditedFileRefused as refused:
        assert isinstance(refused.reason, UploadRefusal)
    else:
        assert isinstance(back, SynthesisDraft)


_FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FUZZ
@given(data=st.binary(max_size=4096), filename=st.sampled_from([None, "a.docx", "a.odt", "a"]))
def test_random_bytes_never_escape(data: bytes, filename: str | None) -> None:
    _read_or_refuse(data, filename)


@_FUZZ
@given(cut=st.integers(min_value=0, max_value=len(_REAL_DOCX)))
def test_truncated_docx_never_escapes(cut: int) -> None:
    _read_or_refuse(_REAL_DOCX[:cut], "a.docx")


@_FUZZ
@given(
    real=st.sampled_from([_REAL_DOCX, _REAL_ODT]),
    flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), max_size=8),
)
def test_corrupted_files_never_escape(real: bytes, flips: list[tuple[float, int]]) -> None:
    data = bytearray(real)
    for where, value in flips:
        data[int(where * len(data))] = value
    _read_or_refuse(bytes(data), None)


@_FUZZ
@given(
    parts=st.dictionaries(
        st.sampled_from(
            ["[Content_Types].xml", "word/document.xml", "_rels/.rels", "mimetype", "content.xml"]
        ),
        st.one_of(
            st.binary(max_size=200),
            st.sampled_from(
                [
                    b"application/vnd.oasis.opendocument.text",
                    b"<w:document xmlns:w='x'/>",
                    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                    b'<Override PartName="/word/document.xml" ContentType="application/vnd.'
                    b'openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
                ]
            ),
        ),
    )
)
def test_zips_with_the_wrong_parts_never_escape(parts: dict[str, bytes]) -> None:
    _read_or_refuse(_zip(parts), "a.docx")


def test_a_fact_from_the_answers_is_marked_like_a_quote_and_keeps_its_mark() -> None:
    """An item made from a choice the person ticked names its source too, and keeps it."""
    ticked = Block(K.ITEM, "Mobilité : Dans ma région", "Dossier d'auto-bilan — Vos contraintes")
    framing = Block(K.ITEM, "Le bilan a duré 18 heures.")
    draft = SynthesisDraft(
        title="Document de synthèse",
        lines=("Bénéficiaire : Claire Martin",),
        sections=(Section("factors", "Facteurs", (ticked, framing)),),
        locale="fr",
    )
    found = paragraphs(draft_docx(draft))
    at = found.index(("List Bullet", ticked.text))
    assert found[at + 1] == ("Source des paroles", "◆ Dossier d'auto-bilan — Vos contraintes")
    assert found[at + 2] == ("List Bullet", framing.text)  # a framing fact has no mark
    (section,) = read_edited(draft_docx(draft), "synthese.docx", "fr").sections
    assert section.blocks == (ticked, framing)
