"""The person's export: a complete dossier as PDF and JSON, built fast, nothing left out.

``complete_dossier`` fills everything the bot keeps today (the dossier
auto-bilan with two experiences, the full interests inventory, the work
values, the job and ticked skills, messages, a counsellor's reads) and is
reused by the other privacy tests.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.export import build_json, build_pdf, dossier_json, file_names, page_count
from dialogues.engine import next_step
from dialogues.instruments import Instrument, QuestionType, load_all
from dialogues.scoring import score_riasec, score_values
from storage import outbox, rights
from storage.actors import BeneficiaryActor, CounsellorActor
from storage.db import Database
from storage.outbox import Recipient
from storage.responses import open_run, read_run, save_answer, submit_run
from storage.skills import choose_job, save_skills, toggle_draft_skill
from tests.storage.conftest import World
from tests.storage.conftest import world as world  # the fixture

SENTENCE = "Mon projet secret est d'ouvrir une librairie flottante sur la Loire."
SKILLS = ("400718", "512260")


def sample_value(instrument: Instrument, question: Any, text: str) -> Any:
    """A valid answer of each type; every text answer carries ``text``."""
    kind = question.type
    if kind == QuestionType.TEXT:
        return f"{text} ({question.key})"
    if kind == QuestionType.NUMBER:
        low = question.min if question.min is not None else 0
        high = question.max if question.max is not None else low + 10
        return int((low + high) // 2)
    if kind == QuestionType.MONTH_YEAR:
        return "2019-03"
    if kind == QuestionType.DATE:
        return "2027-03-12"
    if kind == QuestionType.YES_NO:
        return True
    if kind == QuestionType.SINGLE_CHOICE:
        return question.choices[0].key
    if kind == QuestionType.MULTI_CHOICE:
        return [question.choices[0].key, question.choices[-1].key]
    if kind == QuestionType.SCALE:
        points = question.points or (instrument.scale.points if instrument.scale else 5)
        liking = {"S": 4, "E": 3, "A": 2, "I": 1, "C": 1, "R": 0}
        return min(points - 1, liking.get(question.dimension or "", points // 2))
    raise AssertionError(f"no sample for {kind}")


def fill(instrument: Instrument, text: str, occurrences: int = 2) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    while (step := next_step(instrument, answers)) is not None:
        if step.question is None:
            answers[step.id] = (step.occurrence or 1) < occurrences
        else:
            answers[step.id] = sample_value(instrument, step.question, text)
    return answers


async def answer_all(
    db: Database, actor: BeneficiaryActor, key: str, text: str, when: datetime
) -> int:
    instrument = load_all()[key]
    answers = fill(instrument, text)
    result: Any = None
    if instrument.kind == "riasec":
        result = score_riasec(instrument, answers).to_dict()
    elif instrument.kind == "values":
        result = score_values(instrument, answers).to_dict()
    async with db.transaction() as session:
        run = await open_run(session, actor, key, instrument.version)
        for answer_id, value in answers.items():
            await save_answer(session, actor, run.id, answer_id, value, None, now=when)
        await submit_run(session, actor, run.id, result=result, now=when)
    return run.id


async def complete_dossier(
    db: Database, actor: BeneficiaryActor, counsellor: CounsellorActor, text: str = SENTENCE
) -> list[int]:
    """Everything the bot keeps today, filled for ``actor``; returns the run ids."""
    when = datetime.now(UTC)
    runs = [
        await answer_all(db, actor, key, text, when)
        for key in ("dossier_auto_bilan", "riasec", "work_values")
    ]
    async with db.transaction() as session:
        await choose_job(session, actor, "15544", "J1506")
        for skill in SKILLS:
            await toggle_draft_skill(session, actor, skill)
        await save_skills(session, actor)
        await outbox.enqueue(
            session,
            kind="notice",
            recipient=Recipient.beneficiary(actor.beneficiary_id),
            due_at=when + timedelta(days=2),
            dedupe_key=f"test:{actor.beneficiary_id}:reminder",
            payload={"msgid": "Reminder", "params": {}},
        )
    async with db.transaction() as session:
        for run_id in runs:
            await read_run(session, counsellor, run_id)
    return runs


async def test_complete_export_holds_every_part(db: Database, world: World) -> None:
    """How long it takes is measured by ``benchmarks/export.py``, not here."""
    await complete_dossier(db, world.paul, world.a)
    async with db.transaction() as session:
        dossier = await rights.collect(session, world.paul)
    pdf = await asyncio.to_thread(build_pdf, dossier, "fr", "Europe/Paris")
    document = await asyncio.to_thread(build_json, dossier, "fr")
    pages = page_count(pdf)
    assert pdf.startswith(b"%PDF") and pages >= 3
    parsed = json.loads(document)
    assert parsed["format"] == "bilan-bot-export" and parsed["format_version"] == 1


async def test_the_json_holds_every_answer_raw_and_readable(db: Database, world: World) -> None:
    await complete_dossier(db, world.paul, world.a)
    async with db.transaction() as session:
        dossier = await rights.collect(session, world.paul)
    data = json.loads(build_json(dossier, "fr"))
    runs = {r["label"]: r for r in data["parts"]["questionnaires"]}
    assert set(runs) == {"dossier_auto_bilan", "riasec", "work_values"}
    dossier_run = runs["dossier_auto_bilan"]["data"]
    typed = [v for v in dossier_run["answers"].values() if isinstance(v, str) and SENTENCE in v]
    readable = [
        item["answer"]
        for s in dossier_run["readable"]
        for item in s["items"]
        if SENTENCE in item["answer"]
    ]
    assert typed and len(readable) == len(typed)
    assert runs["riasec"]["data"]["result"]["code"]
    assert "result_text" in runs["riasec"]["data"]
    assert data["parts"]["current_job"][0]["data"]["ticked_skills"] == list(SKILLS)
    assert data["person"]["name"] == "Paul Durand"
    assert {a["action"] for a in data["accesses"]} == {
        "read:dossier_auto_bilan",
        "read:riasec",
        "read:work_values",
    }
    assert all(a["name"] == "Claire Martin" for a in data["accesses"])
    kinds = {m["data"]["kind"] for m in data["parts"]["messages"]}
    assert kinds == {"notice", "instrument_submitted"}  # the counsellor's notice of each run


async def test_both_languages_and_file_names_without_the_name(db: Database, world: World) -> None:
    await complete_dossier(db, world.paul, world.a)
    async with db.transaction() as session:
        dossier = await rights.collect(session, world.paul)
    french = dossier_json(dossier, "fr")
    english = dossier_json(dossier, "en")
    fr_title = french["parts"]["questionnaires"][0]["data"]["title"]
    en_title = english["parts"]["questionnaires"][0]["data"]["title"]
    assert fr_title != en_title
    assert build_pdf(dossier, "en", "Europe/Paris").startswith(b"%PDF")
    pdf_name, json_name = file_names(dossier)
    assert pdf_name.endswith(".pdf") and json_name.endswith(".json")
    assert "Paul" not in pdf_name + json_name


def test_an_access_reads_as_a_sentence_with_the_local_time() -> None:
    from bot.export import access_text
    from bot.i18n import gettext_for
    from storage.rights import Access

    at = datetime(2027, 3, 12, 13, 5, tzinfo=UTC)  # 14:05 in Paris
    read = Access(at, "counsellor", "Claire Martin", "read:dossier_auto_bilan")
    french = access_text(read, gettext_for("fr"), "fr", "Europe/Paris")
    assert (
        french
        == "Claire Martin a consulté « Votre dossier d'auto-bilan » le 12 mars 2027 à 14 h 05"
    )
    english = access_text(read, gettext_for("en"), "en", "Europe/Paris")
    assert (
        english == "Claire Martin opened “Your self-assessment dossier” on 12 March 2027 at 14:05"
    )
    card = Access(at, "counsellor", "Claire Martin", "open:card")
    assert "votre fiche" in access_text(card, gettext_for("fr"), "fr", "Europe/Paris")
    moved = Access(at, "counsellor", None, "phase:conclusion")
    assert access_text(moved, gettext_for("fr"), "fr", "Europe/Paris").startswith(
        "Votre conseiller·ère a fait passer votre bilan en phase de conclusion"
    )
    odd = Access(at, "counsellor", "Claire Martin", "something:new")
    assert "une partie de votre dossier" in access_text(odd, gettext_for("fr"), "fr", "UTC")


async def test_the_summary_says_what_where_until_when_and_who(db: Database, world: World) -> None:
    from bot.features.rights.screens import see_lines
    from bot.i18n import gettext_for

    await complete_dossier(db, world.paul, world.a)
    async with db.transaction() as session:
        dossier = await rights.collect(session, world.paul)
    text = "\n".join(see_lines(dossier, gettext_for("fr"), "fr", "Europe/Paris"))
    assert "Votre dossier d'auto-bilan : envoyé le" in text
    assert "avec son résultat" in text
    assert "2 compétences cochées" in text
    assert "Messages prévus ou envoyés" in text
    assert "chiffrées" in text and "Claire Martin" in text
    assert "effacées le" in text
    assert text.count("Claire Martin a consulté") == 3
    assert SENTENCE not in text
