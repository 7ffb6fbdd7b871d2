"""The draft synthesis of a complete bilan: build time, pages, sizes, and an excerpt.

The bilan is Sophie's (``tests/synthesis_persona.py``, an invented person):
a full dossier auto-bilan with two experiences, the interests and values
inventories, five ticked job skills, a portfolio with two skills carried,
an action plan of three steps and five sessions held. The time is what the
counsellor waits for after "Generate a draft": reading the material through
the access-checked door, assembling, writing the DOCX and the PDF.

    python benchmarks/synthesis.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import storage.schema  # noqa: F401
from benchmarks.common import figures_line, print_table
from bot.features.synthesis.building import build_draft_files, to_write
from bot.features.synthesis.material import gather
from dialogues.synthesis import assemble
from dialogues.synthesis_model import BlockKind, SynthesisDraft
from storage import crypto
from storage.actors import BeneficiaryActor, CounsellorActor, SystemActor
from storage.cards import set_phase
from storage.db import Database
from storage.models import Base, Phase
from storage.people import accept_invitation, add_counsellor, create_invitation
from storage.sessions import SessionMode, mark_done, schedule_session
from tests.synthesis_persona import seed

SESSIONS = (120, 90, 90, 120, 60)


async def _bilan(db: Database) -> tuple[CounsellorActor, int]:
    async with db.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with db.transaction() as session:
        info = await add_counsellor(session, SystemActor("bench"), 111, "Claire Martin")
    claire = CounsellorActor(info.id, 111, "fr", "Europe/Paris")
    async with db.transaction() as session:
        issued = await create_invitation(session, claire, "Sophie Marchand")
        sophie = await accept_invitation(session, issued.token, 1001, "fr")
    assert isinstance(sophie, BeneficiaryActor)
    now = datetime.now(UTC)
    await seed(db, sophie, claire, now.date())
    bid = sophie.beneficiary_id
    async with db.transaction() as session:
        for week, minutes in enumerate(SESSIONS):
            start = now - timedelta(weeks=len(SESSIONS) - week)
            held = await schedule_session(
                session,
                claire,
                bid,
                start,
                minutes,
                SessionMode.IN_PERSON,
                "Bureau 2",
                now=start - timedelta(days=3),
            )
            await mark_done(session, claire, held.id, minutes, now=start + timedelta(hours=3))
        await set_phase(session, claire, bid, Phase.INVESTIGATION)
        await set_phase(session, claire, bid, Phase.CONCLUSION)
    return claire, bid


async def measure(
    rounds: int,
) -> tuple[list[float], list[float], SynthesisDraft, bytes, bytes, int]:
    folder = Path(tempfile.mkdtemp(prefix="bilan-synthesis-"))
    db = Database(f"sqlite+aiosqlite:///{folder / 'synthesis.db'}")
    claire, bid = await _bilan(db)
    totals, files = [], []
    draft: SynthesisDraft | None = None
    docx = pdf = b""
    pages = 0
    for _ in range(rounds):
        began = time.perf_counter()
        async with db.transaction() as session:
            material = await gather(session, claire, bid, datetime.now(UTC))
        draft = assemble(material)
        middle = time.perf_counter()
        docx, pdf, pages = await asyncio.to_thread(build_draft_files, draft)
        ended = time.perf_counter()
        totals.append(ended - began)
        files.append(ended - middle)
    await db.dispose()
    assert draft is not None
    return totals, files, draft, docx, pdf, pages


def excerpt(draft: SynthesisDraft, section: str, blocks: int) -> list[str]:
    """The first blocks of one section, as a reader sees them (◆ marks her words)."""
    found = next(s for s in draft.sections if s.key == section)
    lines = [found.title]
    for block in found.blocks[:blocks]:
        if block.kind == BlockKind.HEADING:
            lines.append(f"  {block.text}")
        elif block.kind == BlockKind.QUOTE:
            lines.append(f"    « {block.text} »  ◆ {block.source}")
        elif block.kind == BlockKind.TO_WRITE:
            lines.append(f"    ✎ {block.text}")
        else:
            marked = f"  ◆ {block.source}" if block.source else ""
            lines.append(f"    • {block.text}{marked}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    crypto.configure(crypto.generate_key())
    totals, files, draft, docx, pdf, pages = asyncio.run(measure(2 if args.quick else 5))
    first, warm = totals[0], statistics.median(totals[1:])
    blocks = list(draft.blocks())
    quotes = sum(1 for b in blocks if b.kind == BlockKind.QUOTE)
    print_table(
        "Draft synthesis of a complete bilan",
        [
            "first (cold) s",
            "median warm s",
            "files warm s",
            "pages",
            "DOCX KiB",
            "PDF KiB",
            "blocks",
            "her words",
            "to write",
        ],
        [
            [
                f"{first:.2f}",
                f"{warm:.2f}",
                f"{statistics.median(files[1:]):.2f}",
                str(pages),
                str(len(docx) // 1024),
                str(len(pdf) // 1024),
                str(len(blocks)),
                str(quotes),
                str(to_write(draft)),
            ]
        ],
    )
    print("\nExcerpt (an invented person):")
    for line in excerpt(draft, "skills", 14):
        print(line)
    print(
        figures_line(
            "synthesis",
            {"cold_s": f"{first:.2f}", "warm_s": f"{warm:.2f}", "pages": pages},
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
