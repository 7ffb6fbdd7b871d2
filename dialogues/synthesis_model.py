"""The shape of a document de synthèse, between the data it comes from and its files.

A synthesis is a title, a few lines that say whose it is, and sections of
*blocks*. The kind of a block says where its words come from, because the
guide asks that the beneficiary's own words be told apart from what the
counsellor writes, and that nothing be invented:

* ``TEXT`` and ``ITEM``: a sentence or a list item the draft writes from
  stored facts (a date, a count, a result, the title of a plan step);
* ``QUOTE``: the beneficiary's words, verbatim, with ``source`` naming the
  answer they come from; the files print that source next to it;
* ``HEADING``: a sub-heading inside a section;
* ``TO_WRITE``: what the counsellor still has to write with the person
  (a prompt, never a sentence about the person).

The same model carries a version the counsellor edited and sent back: their
paragraphs are read as ``TEXT``, ``ITEM``, ``HEADING`` or ``QUOTE`` by style.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field

from dialogues.languages import DEFAULT


class BlockKind(enum.StrEnum):
    HEADING = "heading"
    TEXT = "text"
    ITEM = "item"
    QUOTE = "quote"
    TO_WRITE = "to_write"


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str
    source: str | None = None
    """For words that come from the person's answers: which answer, in words
    ("Dossier d'auto-bilan — Vos réussites"). Printed with the block."""


@dataclass(frozen=True)
class Section:
    key: str
    """Stable name of the regulatory section (``circumstances``, ``skills``,
    ``project``, ``factors``, ``steps``), or ``edited`` for sections read back
    from a counsellor's file."""
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class SynthesisDraft:
    title: str
    lines: tuple[str, ...]
    """Who and when: the person, the counsellor, the dates of the bilan."""
    sections: tuple[Section, ...]
    notes: tuple[str, ...] = field(default=())
    """Printed after the sections: how to read the marks, confidentiality."""
    locale: str = DEFAULT.code
    working_lines: tuple[str, ...] = field(default=())
    """Under the title of a working version only ("Version de travail du …, à relire
    ensemble"): the final document is not a working version."""
    working_notes: tuple[str, ...] = field(default=())
    """After the notes of a working version only: what is said to the counsellor
    ("si Paul le souhaite, ajoutez-y…"), never printed in the final document."""

    def blocks(self) -> Iterator[Block]:
        for section in self.sections:
            yield from section.blocks

    def to_write(self) -> int:
        """Passages still marked "to write" (prompts for the counsellor)."""
        return sum(1 for block in self.blocks() if block.kind is BlockKind.TO_WRITE)

    def final(self, lines: tuple[str, ...] = ()) -> SynthesisDraft:
        """The document as delivered: what was for the counsellor is left out.

        No working-version lines or notes, no prompt still "to write", and no
        sub-heading left with nothing under it once its prompt is gone.
        ``lines`` are added under the title (the date of the final version).
        """
        sections = tuple(Section(s.key, s.title, _without_prompts(s.blocks)) for s in self.sections)
        return SynthesisDraft(self.title, (*self.lines, *lines), sections, self.notes, self.locale)

    def plain_text(self) -> str:
        """Every word of the document, one block a line (for tests and search)."""
        parts = [self.title, *self.lines, *self.working_lines]
        for section in self.sections:
            parts.append(section.title)
            parts.extend(block.text for block in section.blocks)
        parts.extend(self.notes)
        parts.extend(self.working_notes)
        return "\n".join(parts)


def _without_prompts(blocks: tuple[Block, ...]) -> tuple[Block, ...]:
    kept = [block for block in blocks if block.kind is not BlockKind.TO_WRITE]
    # A sub-heading followed by another sub-heading, or by nothing, heads nothing.
    return tuple(
        block
        for at, block in enumerate(kept)
        if block.kind is not BlockKind.HEADING
        or (at + 1 < len(kept) and kept[at + 1].kind is not BlockKind.HEADING)
    )
