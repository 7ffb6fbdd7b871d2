"""A complete bilan on one page: every answer by part, the results and their charts, the plan."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from sqlalchemy import select

from storage.models import AuditEvent
from storage.responses import InstrumentRun
from tests.desk.conftest import Desk
from tests.synthesis_persona import MAIN_PROJECT, TYPED, seed


async def test_the_whole_bilan_is_on_the_page_and_each_read_is_audited(desk: Desk) -> None:
    paul = desk.world.paul.beneficiary_id
    await seed(desk.db, desk.world.paul, desk.world.a, datetime.now(UTC).date())
    async with desk.db.transaction() as session:
        scored = await session.scalar(
            select(InstrumentRun.id).where(
                InstrumentRun.beneficiary_id == paul, InstrumentRun.instrument_key == "riasec_short"
            )
        )
    async with desk.signed_in(111) as claire:
        page = await claire.get(f"/people/{paul}")
        text = html.unescape(page.text)
        chart = await claire.get(f"/people/{paul}/charts/{scored}.png")
    async with desk.signed_in(222) as bruno:
        foreign_chart = await bruno.get(f"/people/{paul}/charts/{scored}.png")
    for typed in (TYPED["poste_actuel"], TYPED["formations_suivies"]):
        assert typed in text
    assert MAIN_PROJECT in text
    assert "Dossier d’auto-bilan" in text and "Centres d’intérêt" in text
    # The parts are named about Paul, for Claire, not as Paul read them ("Vos réussites").
    headings = re.findall(r"<h3>(.*?)</h3>", text)
    assert "Expériences professionnelles · expérience 2" in headings
    assert {"Situation aujourd'hui", "Compétences", "Réussites"} <= set(headings), headings
    assert not [h for h in headings if re.match(r"(Vos|Votre) ", h)], headings
    assert f'src="/people/{paul}/charts/{scored}.png"' in page.text
    assert chart.status_code == 200 and chart.content.startswith(b"\x89PNG")
    assert chart.headers["content-type"] == "image/png"
    assert foreign_chart.status_code == 403
    async with desk.db.transaction() as session:
        actions = set(
            await session.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.beneficiary_id == paul, AuditEvent.actor_kind == "counsellor"
                )
            )
        )
    assert {"open:card", "read:dossier_auto_bilan", "read:riasec_short", "read:plan"} <= actions
