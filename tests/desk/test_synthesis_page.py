"""The synthesis in the desk: the counsellor writes the "✎ to write" passages in the page."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.features.synthesis import files as synthesis_files
from bot.features.synthesis.building import to_write
from bot.features.synthesis.notices import REVIEW_KIND
from storage import synthesis
from storage.cards import set_phase
from storage.models import Phase
from storage.outbox import OutboxMessage
from tests.desk.conftest import Desk
from tests.test_synthesis_files import french_draft

CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


async def _first_version(desk: Desk) -> int:
    bid = desk.world.paul.beneficiary_id
    draft = french_draft()
    pdf = synthesis_files.draft_pdf(draft)
    async with desk.db.transaction() as session:
        await set_phase(session, desk.world.a, bid, Phase.INVESTIGATION)
        await set_phase(session, desk.world.a, bid, Phase.CONCLUSION)
        await synthesis.add_version(
            session,
            desk.world.a,
            bid,
            origin="draft",
            editable=synthesis_files.draft_docx(draft),
            editable_format="docx",
            pdf=pdf,
            pages=synthesis_files.page_count(pdf),
            to_write=to_write(draft),
        )
    return to_write(draft)


async def test_writing_a_passage_makes_the_next_version(desk: Desk) -> None:
    prompts = await _first_version(desk)
    assert prompts >= 2
    bid = desk.world.paul.beneficiary_id
    async with desk.signed_in(111) as claire:
        page = await claire.get(f"/people/{bid}/synthesis")
        assert page.status_code == 200
        assert page.text.count("<textarea") == prompts
        csrf = CSRF.search(page.text)
        assert csrf is not None
        form = {"csrf": csrf.group(1), "version": "1", "p0": "Paul veut devenir ébéniste."}
        done = await claire.post(f"/people/{bid}/synthesis", data=form)
        assert done.headers["location"].endswith("done=version")
        stale = await claire.post(f"/people/{bid}/synthesis", data=form)
        assert stale.headers["location"].endswith("error=stale")
        again = await claire.get(f"/people/{bid}/synthesis")
        assert "Version 2" in again.text
        assert again.text.count("<textarea") == prompts - 1
        assert "Paul veut devenir ébéniste." in again.text
        shown = await claire.post(f"/people/{bid}/synthesis/review", data={"csrf": csrf.group(1)})
        assert shown.headers["location"].endswith("done=review")
    async with desk.db.transaction() as session:
        state = await synthesis.status(session, desk.world.a, bid)
        files = await synthesis.version_files(session, desk.world.a, bid)
        kinds = list(await session.scalars(select(OutboxMessage.kind)))
    assert state is not None and state.current is not None
    assert state.current.number == 2 and state.current.to_write == prompts - 1
    assert state.review_version == 2
    reread = synthesis_files.read_edited(files.editable, None, "fr")
    assert "Paul veut devenir ébéniste." in reread.plain_text()
    assert REVIEW_KIND in kinds
    assert desk.woken


async def test_another_counsellor_cannot_open_or_write_it(desk: Desk) -> None:
    await _first_version(desk)
    bid = desk.world.paul.beneficiary_id
    async with desk.signed_in(222) as bruno:
        assert (await bruno.get(f"/people/{bid}/synthesis")).status_code == 403
        own = await bruno.get("/caseload")
        csrf = CSRF.search(own.text)
        assert csrf is not None
        form = {"csrf": csrf.group(1), "version": "1", "p0": "x"}
        assert (await bruno.post(f"/people/{bid}/synthesis", data=form)).status_code == 403


async def test_the_agreed_version_is_delivered_from_the_page_as_in_the_chat(desk: Desk) -> None:
    from bot.features.synthesis.notices import FINAL_KIND, RETENTION_KIND

    await _first_version(desk)
    bid = desk.world.paul.beneficiary_id
    async with desk.signed_in(111) as claire:
        page = await claire.get(f"/people/{bid}/synthesis")
        csrf = CSRF.search(page.text)
        assert csrf is not None
        token = csrf.group(1)
        early = await claire.post(
            f"/people/{bid}/synthesis/deliver", data={"csrf": token, "confirm": "1"}
        )
        assert early.headers["location"].endswith("error=not_agreed")
        await claire.post(f"/people/{bid}/synthesis/review", data={"csrf": token})
        async with desk.db.transaction() as session:
            await synthesis.agree(session, desk.world.paul, 1)
        unticked = await claire.post(f"/people/{bid}/synthesis/deliver", data={"csrf": token})
        assert unticked.headers["location"].endswith("error=confirm")
        done = await claire.post(
            f"/people/{bid}/synthesis/deliver", data={"csrf": token, "confirm": "1"}
        )
        assert done.headers["location"].endswith("done=delivered")
        after = await claire.get(f"/people/{bid}/synthesis")
        assert "<textarea" not in after.text and 'id="deliver-form"' not in after.text
    async with desk.db.transaction() as session:
        state = await synthesis.status(session, desk.world.a, bid)
        kinds = list(await session.scalars(select(OutboxMessage.kind)))
    assert state is not None and state.state.value == "delivered"
    assert FINAL_KIND in kinds and RETENTION_KIND in kinds


async def test_an_earlier_version_is_read_but_not_edited(desk: Desk) -> None:
    prompts = await _first_version(desk)
    bid = desk.world.paul.beneficiary_id
    async with desk.signed_in(111) as claire:
        page = await claire.get(f"/people/{bid}/synthesis")
        csrf = CSRF.search(page.text)
        assert csrf is not None
        form = {"csrf": csrf.group(1), "version": "1", "p1": "Un deuxième passage écrit."}
        await claire.post(f"/people/{bid}/synthesis", data=form)
        first = await claire.get(f"/people/{bid}/synthesis?v=1")
        second = await claire.get(f"/people/{bid}/synthesis?v=9")
    assert "Version 1," in first.text and "<textarea" not in first.text
    assert "Un deuxième passage écrit." not in first.text
    assert "Version 2," in second.text and second.text.count("<textarea") == prompts - 1
