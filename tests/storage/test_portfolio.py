"""The skills portfolio in storage, on both databases: gathering, editing, access, rights."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from dialogues.portfolio import GatheredSkill
from storage import portfolio, rights
from storage.actors import AccessDenied, SystemActor
from storage.db import Database
from storage.models import AuditEvent, utcnow
from storage.portfolio import Evidence
from tests.storage.conftest import World
from tests.storage.conftest import world as world  # the fixture

BUDGET = GatheredSkill(
    "savoir_faire", "dossier", "dossier:savoir_faire:tenir un budget", "Tenir un budget"
)
RIGUEUR = GatheredSkill("savoir_etre", "dossier", "dossier:qualites:rigueur", "Rigueur")
PROTOCOLE = GatheredSkill("savoir_faire", "rome", "rome:400718", "Appliquer un protocole de soin")
SECRET = "Animer des ateliers d'écriture à la maison d'arrêt"


async def _sync(
    db: Database, world: World, *skills: GatheredSkill
) -> list[portfolio.PortfolioSkill]:
    async with db.transaction() as session:
        await portfolio.sync_gathered(session, world.paul, list(skills))
        return await portfolio.read_portfolio(session, world.paul, world.paul.beneficiary_id)


async def test_gathering_adds_updates_and_removes_only_what_was_not_annotated(
    db: Database, world: World
) -> None:
    first = await _sync(db, world, BUDGET, RIGUEUR, PROTOCOLE)
    assert [(s.kind, s.source, s.label) for s in first] == [
        ("savoir_faire", "dossier", "Tenir un budget"),
        ("savoir_etre", "dossier", "Rigueur"),
        ("savoir_faire", "rome", "Appliquer un protocole de soin"),
    ]
    assert await _sync(db, world, BUDGET, RIGUEUR, PROTOCOLE) == first  # idempotent

    budget, rigueur, protocole = first
    async with db.transaction() as session:
        await portfolio.set_level(session, world.paul, budget.id, "expert")
        await portfolio.set_hidden(session, world.paul, protocole.id, True)
    # The person now speaks English; the budget line left the dossier; ROME's skill unticked.
    thoroughness = GatheredSkill("savoir_etre", "dossier", RIGUEUR.source_ref, "Thoroughness")
    after = await _sync(db, world, thoroughness)
    assert [(s.id, s.label, s.level) for s in after] == [
        (budget.id, "Tenir un budget", "expert"),  # annotated: kept
        (rigueur.id, "Thoroughness", None),  # label follows the source
    ]
    # Ticked again: it comes back as new, not hidden, since the hidden row was not annotated.
    again = await _sync(db, world, thoroughness, PROTOCOLE)
    assert [(s.label, s.hidden) for s in again][-1] == ("Appliquer un protocole de soin", False)


async def test_a_hidden_gathered_skill_stays_hidden_and_loses_its_star(
    db: Database, world: World
) -> None:
    (budget,) = await _sync(db, world, BUDGET)
    async with db.transaction() as session:
        assert (await portfolio.toggle_carried(session, world.paul, budget.id)).carried
        hidden = await portfolio.set_hidden(session, world.paul, budget.id, True)
    assert hidden.hidden and not hidden.carried
    (still,) = await _sync(db, world, BUDGET)
    assert still.hidden
    async with db.transaction() as session:
        with pytest.raises(ValueError):
            await portfolio.toggle_carried(session, world.paul, budget.id)
        with pytest.raises(ValueError):
            await portfolio.delete_own_skill(session, world.paul, budget.id)
        shown = await portfolio.set_hidden(session, world.paul, budget.id, False)
    assert not shown.hidden


async def test_own_skills_level_evidence_and_star(db: Database, world: World) -> None:
    async with db.transaction() as session:
        own = await portfolio.add_own_skill(session, world.paul, "savoir_faire", f"  {SECRET}  ")
        assert own.label == SECRET and own.source == "own"
        await portfolio.set_level(session, world.paul, own.id, "autonome")
        achievement = Evidence("achievement", "reussite_1", "J'ai monté l'atelier seul.")
        await portfolio.set_evidence(session, world.paul, own.id, achievement)
        starred = await portfolio.toggle_carried(session, world.paul, own.id)
    assert starred == portfolio.PortfolioSkill(
        own.id, "savoir_faire", "own", SECRET, "autonome", achievement, True, False
    )
    async with db.transaction() as session:
        typed = Evidence("own", None, "Trois ans d'ateliers chaque mardi.")
        skill = await portfolio.set_evidence(session, world.paul, own.id, typed)
        assert skill.evidence == typed
        assert (await portfolio.set_evidence(session, world.paul, own.id, None)).evidence is None
        assert (await portfolio.set_level(session, world.paul, own.id, None)).level is None
        with pytest.raises(ValueError):
            await portfolio.set_hidden(session, world.paul, own.id, True)
        gone = await portfolio.delete_own_skill(session, world.paul, own.id)
        assert gone.label == SECRET
        assert await portfolio.read_portfolio(session, world.paul, world.paul.beneficiary_id) == []


@pytest.mark.parametrize(
    ("kind", "label"),
    [("savoir_faire", "x"), ("savoir_faire", "   "), ("savoir_faire", "y" * 151), ("other", "ok")],
)
async def test_bad_labels_and_kinds_are_refused(
    db: Database, world: World, kind: str, label: str
) -> None:
    async with db.transaction() as session:
        with pytest.raises(ValueError):
            await portfolio.add_own_skill(session, world.paul, kind, label)


@pytest.mark.parametrize(
    "evidence",
    [
        Evidence("own", None, ""),
        Evidence("own", None, "z" * 501),
        Evidence("own", "reussite_1", "a sentence"),
        Evidence("experience", "reussite_1", "Secrétaire"),
        Evidence("achievement", "reussite_1; DROP", "text"),
        Evidence("experience", None, "Secrétaire"),
    ],
)
async def test_malformed_evidence_is_refused(
    db: Database, world: World, evidence: Evidence
) -> None:
    (budget,) = await _sync(db, world, BUDGET)
    async with db.transaction() as session:
        with pytest.raises(ValueError):
            await portfolio.set_evidence(session, world.paul, budget.id, evidence)
        with pytest.raises(ValueError):
            await portfolio.set_level(session, world.paul, budget.id, "grand maître")


async def test_hand_skills_are_bounded(db: Database, world: World) -> None:
    async with db.transaction() as session:
        for n in range(portfolio.MAX_OWN):
            await portfolio.add_own_skill(session, world.paul, "savoir_etre", f"Qualité {n}")
        with pytest.raises(ValueError):
            await portfolio.add_own_skill(session, world.paul, "savoir_etre", "Encore une")


async def test_who_may_read_and_who_may_edit(db: Database, world: World) -> None:
    (budget,) = await _sync(db, world, BUDGET)
    paul_id = world.paul.beneficiary_id
    async with db.transaction() as session:
        # Their own counsellor reads, and the reading is audited.
        read = await portfolio.read_portfolio(session, world.a, paul_id)
        assert [s.label for s in read] == ["Tenir un budget"]
        audited = await session.scalar(
            select(AuditEvent.action).where(
                AuditEvent.beneficiary_id == paul_id, AuditEvent.actor_kind == "counsellor"
            )
        )
        assert audited == "read:portfolio"
        # The system (the export, the synthesis job) reads without an audit row of a person.
        assert await portfolio.read_portfolio(session, SystemActor("t"), paul_id) == read
    async with db.transaction() as session:
        with pytest.raises(AccessDenied):
            await portfolio.read_portfolio(session, world.b, paul_id)
    async with db.transaction() as session:
        with pytest.raises(AccessDenied):
            await portfolio.read_portfolio(session, world.lea, paul_id)
    async with db.transaction() as session:
        with pytest.raises(AccessDenied):
            await portfolio.read_portfolio(session, world.a, 999_999)
    edits = (
        lambda s, who: portfolio.set_level(s, who, budget.id, "expert"),
        lambda s, who: portfolio.toggle_carried(s, who, budget.id),
        lambda s, who: portfolio.set_hidden(s, who, budget.id, True),
        lambda s, who: portfolio.set_evidence(s, who, budget.id, None),
        lambda s, who: portfolio.read_skill(s, who, budget.id),
        lambda s, who: portfolio.start_wait(s, who, "evidence", skill_id=budget.id),
    )
    for edit in edits:
        for who in (world.a, world.b, world.lea, SystemActor("t")):
            async with db.transaction() as session:
                with pytest.raises(AccessDenied):
                    await edit(session, who)
    for who in (world.a, SystemActor("t")):
        async with db.transaction() as session:
            with pytest.raises(AccessDenied):
                await portfolio.add_own_skill(session, who, "savoir_faire", "Piloter")
    async with db.transaction() as session:
        assert (await portfolio.read_skill(session, world.paul, budget.id)).level is None


async def test_a_withdrawn_bilan_is_closed_to_the_counsellor(db: Database, world: World) -> None:
    await _sync(db, world, BUDGET)
    async with db.transaction() as session:
        await rights.withdraw_consent(session, world.paul)
    async with db.transaction() as session:
        with pytest.raises(AccessDenied):
            await portfolio.read_portfolio(session, world.a, world.paul.beneficiary_id)


async def test_waits_lapse_and_belong_to_their_person(db: Database, world: World) -> None:
    (budget,) = await _sync(db, world, BUDGET)
    now = utcnow()
    async with db.transaction() as session:
        await portfolio.start_wait(session, world.paul, "label", kind="savoir_etre", now=now)
        waiting = await portfolio.pending_wait(session, world.paul, now)
        assert waiting is not None and (waiting.wait_for, waiting.kind) == ("label", "savoir_etre")
        assert await portfolio.pending_wait(session, world.lea, now) is None
        assert await portfolio.pending_wait(session, world.a, now) is None
        later = now + portfolio.INPUT_WAIT + timedelta(seconds=1)
        assert await portfolio.pending_wait(session, world.paul, later) is None
        await portfolio.start_wait(session, world.paul, "evidence", skill_id=budget.id, now=now)
        waiting = await portfolio.pending_wait(session, world.paul, now)
        assert waiting is not None and (waiting.wait_for, waiting.skill_id) == (
            "evidence",
            budget.id,
        )
        with pytest.raises(ValueError):
            await portfolio.start_wait(session, world.paul, "label", kind="nonsense")
    async with db.transaction() as session:
        # Léa cannot point a wait at Paul's skill.
        with pytest.raises(AccessDenied):
            await portfolio.start_wait(session, world.lea, "evidence", skill_id=budget.id)
    async with db.transaction() as session:
        assert await portfolio.stop_wait(session, world.paul)
        assert not await portfolio.stop_wait(session, world.paul)
        assert await portfolio.pending_wait(session, world.paul) is None


async def test_deleting_a_skill_ends_a_wait_for_its_evidence(db: Database, world: World) -> None:
    async with db.transaction() as session:
        own = await portfolio.add_own_skill(session, world.paul, "savoir_faire", "Souder")
        await portfolio.start_wait(session, world.paul, "evidence", skill_id=own.id)
        await portfolio.delete_own_skill(session, world.paul, own.id)
        assert await portfolio.pending_wait(session, world.paul) is None


async def test_texts_are_encrypted_at_rest(db: Database, world: World) -> None:
    async with db.transaction() as session:
        own = await portfolio.add_own_skill(session, world.paul, "savoir_faire", SECRET)
        await portfolio.set_evidence(session, world.paul, own.id, Evidence("own", None, SECRET))
        await portfolio.sync_gathered(session, world.paul, [BUDGET])
    async with db.engine.connect() as connection:
        rows = (await connection.execute(text("SELECT * FROM portfolio_skills"))).all()
    raw = repr(rows)
    assert len(rows) == 2
    for secret in ("maison d'arr", "Tenir un budget", "tenir un budget"):
        assert secret not in raw


async def test_the_portfolio_is_in_the_export_and_goes_with_an_erasure(
    db: Database, world: World
) -> None:
    (budget,) = await _sync(db, world, BUDGET)
    async with db.transaction() as session:
        await portfolio.toggle_carried(session, world.paul, budget.id)
        await portfolio.set_evidence(
            session, world.paul, budget.id, Evidence("experience", "exp_poste#2", "Comptable")
        )
        await portfolio.start_wait(session, world.paul, "label", kind="savoir_faire")
    async with db.transaction() as session:
        lea_skill = await portfolio.add_own_skill(session, world.lea, "savoir_etre", "Patience")
    async with db.transaction() as session:
        dossier = await rights.collect(session, world.paul)
    (record,) = dossier.parts["portfolio"]
    assert record.data["label"] == "Tenir un budget"
    assert record.data["carried"] is True
    assert record.data["evidence"] == {
        "source": "experience",
        "ref": "exp_poste#2",
        "text": "Comptable",
    }
    assert "portfolio_skills" not in dossier.parts and "conversations" not in dossier.parts
    (waiting,) = dossier.parts["waiting"]  # what the bot waits for, under its own heading
    assert (waiting.data["flow"], waiting.data["step"]) == ("portfolio", "label")
    async with db.transaction() as session:
        counts = await rights.rows_about(session, world.paul.beneficiary_id)
    assert counts["portfolio_skills"] == 1 and counts["conversations"] == 1
    async with db.transaction() as session:
        await rights.request_erasure(session, world.paul)
        assert await rights.confirm_erasure(session, world.paul)
        await rights.erase_own_data(session, world.paul)
    async with db.engine.connect() as connection:
        left = (await connection.execute(text("SELECT id FROM portfolio_skills"))).all()
        waits = (await connection.execute(text("SELECT count(*) FROM conversations"))).scalar()
    assert [row[0] for row in left] == [lea_skill.id]  # Léa keeps hers
    assert waits == 0
