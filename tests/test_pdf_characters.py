"""No character a person typed is lost in a PDF the bot makes.

A journal note in Japanese, a name in Chinese, a sentence in Arabic, an
emoji: each PDF (the export, the synthesis, the answers of a questionnaire,
the record of an answer) is read back with pypdf and must hold every
character, with no "missing glyph" warning from fpdf2 (whose warnings would
also quote the person's characters in the log). What no font can draw
prints as "�", so that the gap is visible rather than silent.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.documents import answers_pdf
from bot.export import build_pdf
from bot.features.synthesis.pdf_file import draft_pdf
from bot.features.synthesis.record import RecordFacts, record_pdf
from bot.i18n import gettext_for
from dialogues.engine import RecapItem, RecapSection
from dialogues.synthesis_model import Block, BlockKind, Section, SynthesisDraft
from storage import journal, rights
from storage.db import Database
from tests.pdf_text import pdf_text
from tests.storage.conftest import World
from tests.storage.conftest import world as world  # the fixture

JAPANESE = "日本語のメモ：面接はうまくいきました。"
CHINESE = "我想当培训师"
KOREAN = "한국어로 쓴 메모"
ARABIC = "أريد أن أصبح مدربة"
EMOJI = "😀🎉👍❤️✅🙂☕"
WORLD = f"{JAPANESE} {CHINESE} {KOREAN} {ARABIC} {EMOJI}"
TOO_NEW = "🥲"  # Unicode 13 (2020): in none of the fonts shipped


def _drawn(text: str) -> Counter[str]:
    """The characters a reader sees (joiners and variation selectors draw nothing)."""
    return Counter(c for c in text if not c.isspace() and c not in "\u200d\ufe0f")


def assert_every_character(pdf: bytes, *texts: str) -> str:
    text = pdf_text(pdf)
    found = _drawn(text)
    for written in texts:
        for char, count in _drawn(written).items():
            assert found[char] >= count, f"{char!r} (U+{ord(char):04X}) is missing"
    # Scripts written left to right read back in order; Arabic comes back shaped.
    for run in (JAPANESE, CHINESE, KOREAN, "😀🎉👍"):
        if any(run in t for t in texts):
            assert run in text
    return text


@pytest.fixture
def glyph_warnings() -> Iterator[list[str]]:
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    handler = Keep(logging.WARNING)
    logging.getLogger("fpdf").addHandler(handler)
    yield records
    logging.getLogger("fpdf").removeHandler(handler)


def test_the_synthesis_keeps_every_character(glyph_warnings: list[str]) -> None:
    draft = SynthesisDraft(
        title="Document de synthèse",
        lines=("Bénéficiaire : 李小龍",),
        sections=(
            Section(
                "circumstances",
                "1. Circonstances du bilan",
                (
                    Block(BlockKind.HEADING, f"La demande {EMOJI}"),
                    Block(BlockKind.QUOTE, WORLD, "Dossier d'auto-bilan · 日本"),
                    Block(BlockKind.ITEM, f"Langues : {ARABIC}"),
                    Block(BlockKind.TO_WRITE, f"Reformulez {JAPANESE}"),
                ),
            ),
        ),
        notes=(f"Ce document appartient à 李小龍 {EMOJI}",),
        locale="fr",
    )
    assert_every_character(draft_pdf(draft), WORLD, "李小龍", f"Langues : {ARABIC}")
    assert glyph_warnings == []


def test_answers_keep_every_character(glyph_warnings: list[str]) -> None:
    liked = RecapItem("exp_aime#1", "Ce qui vous a plu ?", WORLD)
    sections = [RecapSection("Vos expériences", 1, (liked,))]
    pdf = answers_pdf(f"Réponses {KOREAN}", f"Envoyé {EMOJI}", sections, ARABIC)
    assert_every_character(pdf, WORLD, KOREAN, ARABIC)
    assert glyph_warnings == []


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_the_record_keeps_every_character(locale: str, glyph_warnings: list[str]) -> None:
    facts = RecordFacts(
        person=f"{CHINESE} {ARABIC}",
        telegram_id=42,
        agreed=True,
        answer_label=f"Oui {EMOJI}",
        answered_at=datetime(2026, 12, 2, 8, 37, tzinfo=UTC),
        delivered_at=None,
        delivered_sha256=None,
        keep_until=None,
        copy_deleted=False,
    )
    pdf = record_pdf(facts, gettext_for(locale), locale, "Europe/Paris")
    assert_every_character(pdf, CHINESE, ARABIC, EMOJI)
    assert glyph_warnings == []


@pytest.mark.parametrize("locale", ["fr", "en"])
async def test_a_journal_note_keeps_every_character_in_the_export(
    db: Database, world: World, locale: str, glyph_warnings: list[str]
) -> None:
    """The JSON always kept them; the PDF lost CJK and emoji."""
    async with db.transaction() as session:
        await journal.add_entry(session, world.paul, WORLD)
        await journal.add_entry(session, world.paul, f"Nouveau {TOO_NEW} emoji")
        dossier = await rights.collect(session, world.paul)
    text = assert_every_character(build_pdf(dossier, locale, "Europe/Paris"), WORLD)
    # An emoji no font has is not dropped in silence: its place is marked.
    assert "Nouveau � emoji" in text
    assert glyph_warnings == []


def test_latin_text_needs_no_fallback_font() -> None:
    """A document in French alone embeds DejaVu only (the CJK font is read on demand)."""
    draft = SynthesisDraft("Document de synthèse", ("Bénéficiaire : Zoé Lefèvre",), (), ())
    pdf = draft_pdf(draft)
    assert b"DroidSans" not in pdf and b"Symbola" not in pdf and b"NotoSansArabic" not in pdf
    assert "Zoé Lefèvre" in pdf_text(pdf)
