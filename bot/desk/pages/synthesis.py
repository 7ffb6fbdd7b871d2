"""``/people/<id>/synthesis``: the current version next to the person's comments, and the
counsellor's "✎ to write" passages written in the browser to make the next version.

The same rules as the chat, through the same ``storage.synthesis`` functions:
a new version is possible in the conclusion phase and until delivery, it
starts drafting again (agreement is always to one version), and showing it
to the person queues the chat's own review message. The version's files are
read back with the chat's reader (``read_edited``), and the new one is built
with the chat's writers (DOCX and PDF), so the person receives the same
documents whichever way the counsellor wrote.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.desk.web import Visit, config, database, form_of, signed_in
from bot.features.synthesis import files as synthesis_files
from bot.features.synthesis.building import to_write
from bot.features.synthesis.delivery import prepare_final
from bot.features.synthesis.word_file import PROMPT_MARK
from bot.features.synthesis.words import REFUSALS
from dialogues.synthesis_model import Block, BlockKind, Section, SynthesisDraft
from storage import synthesis
from storage.actors import AccessDenied
from storage.models import utcnow
from storage.people import get_beneficiary
from storage.synthesis import SynthesisRefused

log = logging.getLogger(__name__)

MAX_PASSAGE = 4000


def _back(beneficiary_id: int, **code: str) -> Response:
    query = "&".join(f"{k}={v}" for k, v in code.items())
    return RedirectResponse(f"/people/{beneficiary_id}/synthesis?{query}", status_code=303)


def written(draft: SynthesisDraft, passages: dict[int, str]) -> SynthesisDraft:
    """The draft with the numbered "to write" passages replaced by the counsellor's text.

    Numbering follows the order of the passages in the document; a passage
    left empty stays to write.
    """
    index = 0
    sections = []
    for section in draft.sections:
        blocks = []
        for block in section.blocks:
            if block.kind == BlockKind.TO_WRITE:
                text = passages.get(index, "").strip()
                blocks.append(Block(BlockKind.TEXT, text) if text else block)
                index += 1
            else:
                blocks.append(block)
        sections.append(Section(section.key, section.title, tuple(blocks)))
    return replace(draft, sections=tuple(sections))


def _new_files(draft: SynthesisDraft) -> tuple[bytes, bytes, int]:
    pdf = synthesis_files.draft_pdf(draft)
    return synthesis_files.draft_docx(draft), pdf, synthesis_files.page_count(pdf)


async def page(request: Request) -> Response:
    visit = await signed_in(request)
    beneficiary_id = int(request.path_params["beneficiary_id"])
    try:
        async with database(request).transaction() as session:
            person = await get_beneficiary(session, visit.actor, beneficiary_id)
            state = await synthesis.status(session, visit.actor, beneficiary_id)
            files = None
            if state is not None and state.current is not None:
                files = await synthesis.version_files(
                    session, visit.actor, beneficiary_id, _wanted(request, state.current.number)
                )
            comments = await synthesis.read_comments(session, visit.actor, beneficiary_id)
    except AccessDenied:
        raise HTTPException(403) from None
    except SynthesisRefused:  # a version erased at delivery
        return _back(beneficiary_id, error="no_version")
    draft = None
    if files is not None:
        try:
            draft = await asyncio.to_thread(
                synthesis_files.read_edited, files.editable, None, person.locale
            )
        except synthesis_files.EditedFileRefused:
            draft = None
    error = request.query_params.get("error", "")
    problems = {
        "stale": visit._(
            "This version changed meanwhile: nothing was recorded. Here is the new one."
        ),
        "damaged": visit._("This version cannot be read here; download it from the chat."),
        "confirm": visit._("Tick the box to confirm the delivery: nothing was sent."),
    }
    return visit.render(
        "synthesis.html",
        person=person,
        state=state,
        draft=draft,
        version=files.info if files else None,
        current=state.current.number if state is not None and state.current else None,
        comments=comments,
        prompt_mark=PROMPT_MARK,
        kinds=BlockKind,
        notice=request.query_params.get("done", ""),
        error=visit._(REFUSALS[error]) if error in REFUSALS else problems.get(error, ""),
    )


def _wanted(request: Request, current: int) -> int:
    """The version asked for with ``?v=``, the current one by default."""
    raw = request.query_params.get("v", "")
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= current else current


async def _start(request: Request) -> tuple[Visit, int, dict[str, str]]:
    visit = await signed_in(request)
    return visit, int(request.path_params["beneficiary_id"]), await form_of(visit)


async def write(request: Request) -> Response:
    """``POST …/synthesis``: the passages typed into the current version make the next one."""
    visit, beneficiary_id, form = await _start(request)
    passages = {
        int(key[1:]): value[:MAX_PASSAGE]
        for key, value in form.items()
        if key.startswith("p") and key[1:].isdigit()
    }
    try:
        async with database(request).transaction() as session:
            person = await get_beneficiary(session, visit.actor, beneficiary_id)
            files = await synthesis.version_files(session, visit.actor, beneficiary_id)
        if str(files.info.number) != form.get("version"):
            return _back(beneficiary_id, error="stale")
        draft = await asyncio.to_thread(
            synthesis_files.read_edited, files.editable, None, person.locale
        )
        draft = written(draft, passages)
        editable, pdf, pages = await asyncio.to_thread(_new_files, draft)
        async with database(request).transaction() as session:
            info = await synthesis.add_version(
                session,
                visit.actor,
                beneficiary_id,
                origin="upload",
                editable=editable,
                editable_format="docx",
                pdf=pdf,
                pages=pages,
                to_write=to_write(draft),
            )
    except AccessDenied:
        raise HTTPException(403) from None
    except SynthesisRefused as refused:
        return _back(beneficiary_id, error=refused.reason)
    except synthesis_files.EditedFileRefused:
        return _back(beneficiary_id, error="damaged")
    log.info("desk: synthesis v%s written for beneficiary %s", info.number, beneficiary_id)
    return _back(beneficiary_id, done="version")


async def show(request: Request) -> Response:
    """``POST …/synthesis/review``: show the current version to the person, as in the chat."""
    visit, beneficiary_id, _form = await _start(request)
    try:
        async with database(request).transaction() as session:
            info = await synthesis.request_review(session, visit.actor, beneficiary_id)
    except AccessDenied:
        raise HTTPException(403) from None
    except SynthesisRefused as refused:
        return _back(beneficiary_id, error=refused.reason)
    wake = config(request).wake
    if wake is not None:
        wake()
    log.info("desk: synthesis v%s shown to beneficiary %s", info.number, beneficiary_id)
    return _back(beneficiary_id, done="review")


async def deliver(request: Request) -> Response:
    """``POST …/synthesis/deliver``: the agreed version becomes the final one, as in the chat.

    The page asks for a ticked confirmation first (every other version is erased).
    """
    visit, beneficiary_id, form = await _start(request)
    if form.get("confirm") != "1":
        return _back(beneficiary_id, error="confirm")
    try:
        now = utcnow()
        final = await prepare_final(database(request), visit.actor, beneficiary_id, now)
        async with database(request).transaction() as session:
            info = await synthesis.deliver(session, visit.actor, beneficiary_id, now, final)
    except AccessDenied:
        raise HTTPException(403) from None
    except SynthesisRefused as refused:
        return _back(beneficiary_id, error=refused.reason)
    wake = config(request).wake
    if wake is not None:
        wake()
    log.info("desk: synthesis v%s delivered to beneficiary %s", info.number, beneficiary_id)
    return _back(beneficiary_id, done="delivered")
