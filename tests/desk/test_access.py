"""Who gets into the desk, and what a signed-in counsellor may reach (real database)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.desk.auth import SESSION_COOKIE
from storage.actors import SystemActor
from storage.desk_logins import issue_login
from storage.models import AuditEvent
from storage.people import deactivate_counsellor
from tests.desk.conftest import Desk, init_data

CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


async def test_a_counsellor_signs_in_and_sees_only_their_own_people(desk: Desk) -> None:
    async with desk.signed_in(111) as claire:
        cookie = claire.cookies.jar
        set_cookie = next(c for c in cookie if c.name == SESSION_COOKIE)
        assert set_cookie.secure
        page = await claire.get("/caseload")
        assert page.status_code == 200
        assert "Paul Durand" in page.text and "Inès Roux" in page.text
        assert "Léa Moreau" not in page.text  # Bruno's
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "unsafe-inline" not in page.headers["content-security-policy"]


async def test_the_session_cookie_is_httponly_strict_and_secure(desk: Desk) -> None:
    async with desk.client() as client:
        answer = await client.post("/auth/telegram", json={"init_data": init_data(111)})
    header = answer.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=strict" in header and "secure" in header


async def test_another_counsellors_person_is_403_like_an_unknown_id(desk: Desk) -> None:
    lea = desk.world.lea.beneficiary_id
    async with desk.signed_in(111) as claire:
        foreign = await claire.get(f"/people/{lea}")
        unknown = await claire.get("/people/999999")
        assert foreign.status_code == unknown.status_code == 403
        assert "Léa" not in foreign.text
        assert foreign.text == unknown.text
        csrf = CSRF.search((await claire.get("/caseload")).text)
        assert csrf is not None
        write = await claire.post(
            f"/people/{lea}/tasks",
            data={"csrf": csrf.group(1), "title": "x", "due_on": "2030-01-01"},
        )
        assert write.status_code == 403


async def test_a_beneficiary_a_forged_signature_and_no_cookie_get_403(desk: Desk) -> None:
    async with desk.client() as client:
        beneficiary = await client.post("/auth/telegram", json={"init_data": init_data(1001)})
        assert beneficiary.status_code == 403
        forged = init_data(111, token="123456789:someone-elses-token")
        assert (await client.post("/auth/telegram", json={"init_data": forged})).status_code == 403
        stale = init_data(111, at=datetime.now(UTC) - timedelta(hours=3))
        assert (await client.post("/auth/telegram", json={"init_data": stale})).status_code == 403
        assert SESSION_COOKIE not in client.cookies
        assert (await client.get("/caseload")).status_code == 403
        client.cookies.set(SESSION_COOKIE, "111.9999999999.00.forged", domain="desk.test")
        assert (await client.get("/caseload")).status_code == 403


async def test_a_deactivated_counsellor_is_out_at_the_next_click(desk: Desk) -> None:
    async with desk.signed_in(111) as claire:
        assert (await claire.get("/caseload")).status_code == 200
        async with desk.db.transaction() as session:
            await deactivate_counsellor(session, SystemActor("test"), 111)
        assert (await claire.get("/caseload")).status_code == 403
    async with desk.client() as again:
        answer = await again.post("/auth/telegram", json={"init_data": init_data(111)})
        assert answer.status_code == 403


async def test_a_write_without_its_csrf_token_is_refused(desk: Desk) -> None:
    paul = desk.world.paul.beneficiary_id
    async with desk.signed_in(111) as claire:
        due = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
        form = {"title": "Lire la fiche métier", "due_on": due}
        assert (await claire.post(f"/people/{paul}/tasks", data=form)).status_code == 403
        wrong = {**form, "csrf": "0" * 40}
        assert (await claire.post(f"/people/{paul}/tasks", data=wrong)).status_code == 403
        page = await claire.get(f"/people/{paul}")
        assert "Lire la fiche métier" not in page.text
        token = CSRF.search(page.text)
        assert token is not None
        done = await claire.post(f"/people/{paul}/tasks", data={**form, "csrf": token.group(1)})
        assert done.status_code == 303, done.text
        assert done.headers["location"].endswith("?done=task#actions"), done.headers["location"]
        assert "Lire la fiche métier" in (await claire.get(f"/people/{paul}")).text
        assert desk.woken


async def test_a_login_link_works_once(desk: Desk) -> None:
    async with desk.db.transaction() as session:
        token = await issue_login(session, desk.world.a)
    async with desk.client() as browser:
        assert (await browser.post("/auth/link", json={"token": token})).status_code == 200
        assert (await browser.get("/caseload")).status_code == 200
    async with desk.client() as second:
        assert (await second.post("/auth/link", json={"token": token})).status_code == 403
        assert (await second.post("/auth/link", json={"token": "guess"})).status_code == 403


async def test_sign_in_attempts_are_rate_limited(desk: Desk) -> None:
    async with desk.client() as client:
        codes = [
            (await client.post("/auth/link", json={"token": f"guess{n}"})).status_code
            for n in range(12)
        ]
    assert codes[:10] == [403] * 10
    assert codes[10:] == [429, 429]


async def test_opening_a_person_is_in_their_audit_log(desk: Desk) -> None:
    paul = desk.world.paul.beneficiary_id
    async with desk.signed_in(111) as claire:
        assert (await claire.get(f"/people/{paul}")).status_code == 200
    async with desk.db.transaction() as session:
        actions = set(
            await session.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.beneficiary_id == paul, AuditEvent.actor_kind == "counsellor"
                )
            )
        )
        count = await session.scalar(select(func.count()).select_from(AuditEvent))
    assert {"open:card", "read:plan", "read:portfolio", "journal.read_shared"} <= actions
    assert count


async def test_the_digest_page_shows_what_changed_since_the_last_visit(desk: Desk) -> None:
    from storage.tasks import assign_task, complete_task

    due = (datetime.now(UTC) + timedelta(days=5)).date()
    async with desk.db.transaction() as session:
        task = await assign_task(
            session, desk.world.a, desk.world.paul.beneficiary_id, "Lire", None, due
        )
    async with desk.db.transaction() as session:
        await complete_task(session, desk.world.paul, task.id)
    async with desk.signed_in(111) as claire:
        first = await claire.get("/digest")
        assert first.status_code == 200
        assert "Paul Durand" in first.text and "1 démarche faite" in first.text
        assert "Léa" not in first.text
        second = await claire.get("/digest")
        assert "Paul Durand" not in second.text
        assert 'id="nothing-new"' in second.text


async def test_the_desk_speaks_the_counsellors_language(desk: Desk) -> None:
    from storage.people import set_locale

    async with desk.db.transaction() as session:
        await set_locale(session, desk.world.a, "en")
    async with desk.signed_in(111) as claire:
        page = await claire.get("/caseload")
        person = await claire.get(f"/people/{desk.world.paul.beneficiary_id}")
    assert '<html lang="en">' in page.text and "My beneficiaries" in page.text
    assert "Waiting on me first" in page.text and "Mes bénéficiaires" not in page.text
    assert "Schedule a session" in person.text and "Give a task" in person.text


async def test_the_caseload_filters_by_phase_and_sorts(desk: Desk) -> None:
    from storage.cards import set_phase
    from storage.models import Phase

    async with desk.db.transaction() as session:
        await set_phase(session, desk.world.a, desk.world.paul.beneficiary_id, Phase.INVESTIGATION)
    async with desk.signed_in(111) as claire:
        investigation = await claire.get("/caseload?phase=investigation")
        by_name = await claire.get("/caseload?sort=name")
        unknown = await claire.get("/caseload?phase=nope&sort=nope")
    assert "Paul Durand" in investigation.text and "Inès Roux" not in investigation.text
    assert by_name.text.index("Inès Roux") < by_name.text.index("Paul Durand")
    assert unknown.status_code == 200 and "Inès Roux" in unknown.text
