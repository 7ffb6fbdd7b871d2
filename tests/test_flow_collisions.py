"""Two flows that wait for typed text, one after the other: the text reaches the last one only.

A person starts something that waits for a typed answer (a skill's label, a
journal note), leaves it for something else that waits too (a session's move
reason), and types. The text must reach what they started last, and nothing
of it the flow they left; and the reply that started the second flow must
have told them, in one line, what became of the first ("↩️ J'ai mis de côté
…"). Every ordered pair of such flows is tried, per role, through the bot's
whole wiring (:mod:`tests.app_harness`), on both databases: each flow is
started with the commands and buttons a person would use, over whatever a
counsellor set up for it with the storage functions. A new flow is one more
row in :data:`BENEFICIARY_FLOWS` or :data:`COUNSELLOR_FLOWS`.

The issue that led here is played out on its own at the end: a beneficiary
adding a savoir-faire who taps "🔁 Je dois décaler" on a session and types
the reason.
"""

# ruff: noqa: F811 - the fixtures imported below are used by name
from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Literal

import pytest
from sqlalchemy import select

from dialogues.rome import load_rome
from storage import conversation, enquetes, journal, plans, portfolio, synthesis, tasks
from storage import sessions as session_store
from storage.actors import BeneficiaryActor, CounsellorActor
from storage.cards import set_phase
from storage.db import Database
from storage.models import Phase, utcnow
from storage.outbox import OutboxMessage
from storage.people import get_beneficiary
from storage.responses import latest_open_run, open_run, save_answer
from storage.sessions import SessionMode
from tests.app_harness import AppHarness, app_bot  # noqa: F401 - the fixture
from tests.test_metiers_handlers import (  # noqa: F401 - people is a fixture
    CLAIRE,
    PAUL,
    SHOWN,
    People,
    Person,
    Shown,
    people,
    telegram_html,
)

Role = Literal["beneficiary", "counsellor"]
DOSSIER = "dossier_auto_bilan"
NOTICE = "↩️ J'ai mis de côté {what}."


@dataclass
class Scene:
    """One test's bot, database and people, and the ids its setups made."""

    db: Database
    people: People
    bot: AppHarness
    ids: dict[str, int] = field(default_factory=dict)

    @property
    def paul(self) -> BeneficiaryActor:
        return self.people.paul

    @property
    def claire(self) -> CounsellorActor:
        return self.people.claire

    @property
    def bid(self) -> int:
        return self.people.paul.beneficiary_id

    def mark(self) -> int:
        return len(self.bot.telegram.calls)

    def said(self, person: Person, since: int) -> list[str]:
        """What the bot showed this person since ``mark()``: texts sent, edited, captions."""
        shown = []
        for name, params in self.bot.telegram.calls[since:]:
            if name not in SHOWN or int(params["chat_id"]) != person.telegram_id:
                continue
            raw = str(params.get("text", params.get("caption", "")))
            shown.append(telegram_html(raw) if params.get("parse_mode") == "HTML" else raw)
        return shown


Setup = Callable[[Scene], Awaitable[None]]
Start = Callable[[Scene], Awaitable[None]]
Reached = Callable[[Scene, str], Awaitable[bool]]


@dataclass(frozen=True)
class FlowCase:
    """A flow that waits for typed text, as one person meets it."""

    name: str
    role: Role
    setup: Setup
    """What must exist before the person can start it, made with storage functions."""
    start: Start
    """The commands and presses that bring the person to the question."""
    typed: str
    """What the person types to answer it."""
    answer: str
    """A part of the bot's reply when the typed text reaches this flow (and no other's)."""
    reached: Reached | None
    """Whether this flow's store holds the text; ``None`` when the flow keeps none (a search)."""
    label: str
    """How the notice names the flow when something else sets it aside."""

    def __str__(self) -> str:
        return self.name


async def nothing(scene: Scene) -> None:
    return None


# --- what the setups make, as the counsellor or the person ---------------------------------


async def in_conclusion(scene: Scene) -> None:
    """Paul's bilan in its conclusion phase (once, whichever setup asks first)."""
    async with scene.db.transaction() as session:
        person = await get_beneficiary(session, scene.claire, scene.bid)
        if person.phase == Phase.CONCLUSION:
            return
        await set_phase(session, scene.claire, scene.bid, Phase.INVESTIGATION)
        await set_phase(session, scene.claire, scene.bid, Phase.CONCLUSION)


async def a_dossier_left_at_the_job(scene: Scene) -> None:
    """Paul's dossier, left days ago at the question of his job: nothing waits any more."""
    async with scene.db.transaction() as session:
        run = await open_run(session, scene.paul, DOSSIER, 1)
        await save_answer(session, scene.paul, run.id, "statut", "cdi", "poste_actuel")
        await conversation.end(session, scene.paul)  # the question's wait lapsed


async def a_session(scene: Scene) -> None:
    """A session Claire scheduled with Paul in three days, at 14:00 UTC."""
    day = utcnow().date() + timedelta(days=3)
    async with scene.db.transaction() as session:
        info = await session_store.schedule_session(
            session,
            scene.claire,
            scene.bid,
            datetime.combine(day, time(14), tzinfo=UTC),
            60,
            SessionMode.IN_PERSON,
            "12 rue de la Paix, Paris",
        )
    scene.ids["session"] = info.id


async def a_task(scene: Scene) -> None:
    async with scene.db.transaction() as session:
        task = await tasks.assign_task(
            session,
            scene.claire,
            scene.bid,
            "Mettre à jour mon CV",
            None,
            utcnow().date() + timedelta(days=7),
        )
    scene.ids["task"] = task.id


async def an_enquete(scene: Scene) -> None:
    """An enquête métier Paul prepares with someone he knows."""
    appellation = load_rome().search_appellations("aide-soignant", limit=1)[0]
    async with scene.db.transaction() as session:
        inquiry = await enquetes.start_inquiry(
            session,
            scene.paul,
            title=appellation.title,
            rome_code=appellation.code,
            own_contact="Ma voisine, aide-soignante",
        )
    scene.ids["enquete"] = inquiry.id


async def a_synthesis_in_review(scene: Scene) -> None:
    """Version 1 of Paul's synthesis, shown to him for review."""
    await in_conclusion(scene)
    async with scene.db.transaction() as session:
        version = await synthesis.add_version(
            session,
            scene.claire,
            scene.bid,
            origin="draft",
            editable=b"DOCX one",
            editable_format="docx",
            pdf=b"%PDF one",
            pages=3,
            to_write=0,
        )
        await synthesis.request_review(session, scene.claire, scene.bid)
    scene.ids["version"] = version.number


# --- how each flow is started, as the person would ----------------------------------------


async def start_questionnaire(scene: Scene) -> None:
    """/menu → the dossier → start → the first question (a choice) → the job (typed)."""
    bot = scene.bot
    menu = await bot.send(PAUL, "/menu")
    entry = await bot.press_button(PAUL, menu, "dossier auto-bilan")
    question = await bot.press_button(PAUL, entry, "Commencer")
    question = await bot.press_button(PAUL, question, "Salarié·e en CDI")
    assert "Quel est votre métier ou votre poste actuel" in question.text, question.text


async def resume_questionnaire(scene: Scene) -> None:
    """/reprendre: the dossier again, at the question it was left at."""
    question = await scene.bot.send(PAUL, "/reprendre")
    assert "Quel est votre métier ou votre poste actuel" in question.text, question.text


async def start_portfolio(scene: Scene) -> None:
    bot = scene.bot
    home = await bot.send(PAUL, "/competences")
    kinds = await bot.press_button(PAUL, home, "Ajouter une compétence")
    asked = await bot.press_button(PAUL, kinds, "Savoir-faire")
    assert "Écrivez ce savoir-faire" in asked.text, asked.text


async def start_job_title(scene: Scene) -> None:
    asked = await scene.bot.send(PAUL, "/competences_metier")
    assert "Quel est votre métier actuel ou dernier" in asked.text, asked.text


async def start_plan_step(scene: Scene) -> None:
    bot = scene.bot
    mine = await bot.send(PAUL, "/plan")
    asked = await bot.press_button(PAUL, mine, "Proposer une étape")
    assert "Écrivez l'étape" in asked.text, asked.text


async def start_synthesis_comment(scene: Scene) -> None:
    bot = scene.bot
    document = await bot.send(PAUL, "/synthese")
    asked = await bot.press_button(PAUL, document, "Faire un commentaire")
    assert "Écrivez votre commentaire" in asked.text, asked.text


async def start_move_reason(scene: Scene) -> None:
    """/seances → the session's card → "🔁 Je dois décaler"."""
    bot = scene.bot
    listing = await bot.send(PAUL, "/seances")
    card = await bot.press(PAUL, listing, f"s:v:{scene.ids['session']}")
    asked = await bot.press_button(PAUL, card, "Je dois décaler")
    assert "tapez le motif" in asked.text, asked.text


async def start_task_note(scene: Scene) -> None:
    """/taches → the task → "✅ Fait": a note may follow."""
    bot = scene.bot
    listing = await bot.send(PAUL, "/taches")
    card = await bot.press_button(PAUL, listing, "Mettre à jour mon CV")
    asked = await bot.press_button(PAUL, card, "C'est fait")
    assert "Ajoutez une note" in asked.text, asked.text


async def start_journal_note(scene: Scene) -> None:
    bot = scene.bot
    mine = await bot.send(PAUL, "/journal")
    asked = await bot.press_button(PAUL, mine, "Nouvelle note")
    assert "Écrivez votre note" in asked.text, asked.text


async def start_enquete_questions(scene: Scene) -> None:
    """/enquetes → the enquête → type my questions."""
    bot = scene.bot
    listing = await bot.send(PAUL, "/enquetes")
    guide = await bot.press(PAUL, listing, f"en:g:{scene.ids['enquete']}")
    asked = await bot.press(PAUL, guide, f"en:q:{scene.ids['enquete']}")
    assert "Écrivez les questions" in asked.text, asked.text


async def start_session_draft(scene: Scene) -> None:
    """/seance → Paul → "Quand ?" (a typed day and time)."""
    bot = scene.bot
    picker = await bot.send(CLAIRE, "/seance")
    asked = await bot.press_button(CLAIRE, picker, "Paul")
    assert "Quand ?" in asked.text, asked.text


async def start_task_title(scene: Scene) -> None:
    bot = scene.bot
    picker = await bot.send(CLAIRE, "/tache")
    asked = await bot.press_button(CLAIRE, picker, "Paul")
    assert "Nouvelle démarche pour Paul" in asked.text, asked.text


async def start_contact(scene: Scene) -> None:
    bot = scene.bot
    file = await bot.send(CLAIRE, "/contacts")
    kinds = await bot.press(CLAIRE, file, "ct:new")
    asked = await bot.press(CLAIRE, kinds, kinds.data[0])
    assert "Écrivez le nom du contact" in asked.text, asked.text


async def start_search(scene: Scene) -> None:
    bot = scene.bot
    listing = await bot.send(CLAIRE, "/beneficiaires")
    asked = await bot.press_button(CLAIRE, listing, "Chercher par nom")
    assert "Tapez le nom" in asked.text, asked.text


async def _card(scene: Scene) -> Shown:
    listing = await scene.bot.send(CLAIRE, "/beneficiaires")
    return await scene.bot.press(CLAIRE, listing, f"c:{scene.bid}")


async def start_main_project(scene: Scene) -> None:
    """The card → "📝 Projet et plan d'action" → "✏️ Projet principal"."""
    bot = scene.bot
    plan = await bot.press_button(CLAIRE, await _card(scene), "Projet et plan d'action")
    asked = await bot.press_button(CLAIRE, plan, "Projet principal")
    assert "projet professionnel principal" in asked.text, asked.text


async def start_upload(scene: Scene) -> None:
    """The card → "📝 Synthèse" → "📤 Renvoyer une version modifiée"."""
    bot = scene.bot
    state = await bot.press_button(CLAIRE, await _card(scene), "Synthèse")
    asked = await bot.press(CLAIRE, state, f"sy:{scene.bid}:u")
    assert ".docx" in asked.text, asked.text


# --- whether a flow's store holds the text, read as its owner -----------------------------


async def questionnaire_has(scene: Scene, text: str) -> bool:
    async with scene.db.transaction() as session:
        run = await latest_open_run(session, scene.paul)
    return run is not None and text in run.answers.values()


async def portfolio_has(scene: Scene, text: str) -> bool:
    async with scene.db.transaction() as session:
        skills = await portfolio.read_portfolio(session, scene.paul, scene.bid)
    return any(skill.label == text for skill in skills)


async def plan_has(scene: Scene, text: str) -> bool:
    """A step title waits for its date in the conversation, or is in the plan."""
    async with scene.db.transaction() as session:
        waiting = await plans.pending_input(session, scene.paul)
        plan = await plans.read_plan(session, scene.paul, scene.bid)
    return (waiting is not None and waiting.draft == text) or any(
        step.title == text for step in plan.steps
    )


async def comments_have(scene: Scene, text: str) -> bool:
    async with scene.db.transaction() as session:
        comments = await synthesis.read_comments(session, scene.claire, scene.bid)
    return any(comment.text == text for comment in comments)


async def move_reason_is(scene: Scene, text: str) -> bool:
    async with scene.db.transaction() as session:
        info = await session_store.session_for(session, scene.paul, scene.ids["session"])
    return info.move_reason == text


async def task_note_is(scene: Scene, text: str) -> bool:
    async with scene.db.transaction() as session:
        task = await tasks.task_for(session, scene.paul, scene.ids["task"])
    return task.done_note == text


async def journal_has(scene: Scene, text: str) -> bool:
    async with scene.db.transaction() as session:
        entries = await journal.own_entries(session, scene.paul)
    return any(entry.text == text for entry in entries)


async def enquete_questions_are(scene: Scene, text: str) -> bool:
    async with scene.db.transaction() as session:
        inquiry = await enquetes.own_inquiry(session, scene.paul, scene.ids["enquete"])
    return inquiry.questions == text


async def _draft_of(scene: Scene, flow: str) -> session_store.Dialogue | None:
    async with scene.db.transaction() as session:
        return await session_store.current_dialogue(session, scene.claire, flows=[flow])


async def session_draft_has(scene: Scene, text: str) -> bool:
    """The typed day and time became the draft's start (the length is asked next)."""
    draft = await _draft_of(scene, "session")
    return draft is not None and "starts_at" in draft.data


async def task_draft_has(scene: Scene, text: str) -> bool:
    draft = await _draft_of(scene, "task")
    return draft is not None and draft.data.get("title") == text


async def contact_draft_has(scene: Scene, text: str) -> bool:
    draft = await _draft_of(scene, "contact")
    return draft is not None and draft.data.get("name") == text


async def main_project_is(scene: Scene, text: str) -> bool:
    async with scene.db.transaction() as session:
        plan = await plans.read_plan(session, scene.claire, scene.bid)
    return plan.main == text


BENEFICIARY_FLOWS = (
    FlowCase(
        "questionnaire",
        "beneficiary",
        nothing,
        start_questionnaire,
        "Technicien de maintenance",
        "Depuis quand occupez-vous ce poste",
        questionnaire_has,
        "votre questionnaire (/reprendre le reprend là où vous l'avez laissé)",
    ),
    FlowCase(
        "questionnaire_resumed",
        "beneficiary",
        a_dossier_left_at_the_job,
        resume_questionnaire,
        "Assistante de gestion",
        "Depuis quand occupez-vous ce poste",
        questionnaire_has,
        "votre questionnaire (/reprendre le reprend là où vous l'avez laissé)",
    ),
    FlowCase(
        "portfolio",
        "beneficiary",
        nothing,
        start_portfolio,
        "Tenir la comptabilité d'une association",
        "Ajoutée : « Tenir la comptabilité d'une association »",
        portfolio_has,
        "la compétence que vous ajoutiez",
    ),
    FlowCase(
        "job_title",
        "beneficiary",
        nothing,
        start_job_title,
        "comptable",
        "Lequel de ces intitulés est le plus proche de votre métier",
        None,
        "la recherche de votre métier",
    ),
    FlowCase(
        "plan_step",
        "beneficiary",
        nothing,
        start_plan_step,
        "Rencontrer une formatrice en comptabilité",
        "Pour quand ?",
        plan_has,
        "ce que vous écriviez dans le plan d'action",
    ),
    FlowCase(
        "synthesis_comment",
        "beneficiary",
        a_synthesis_in_review,
        start_synthesis_comment,
        "Ajouter mon stage de 2019, s'il vous plaît.",
        "Votre commentaire est transmis",
        comments_have,
        "votre commentaire sur la synthèse",
    ),
    FlowCase(
        "move_reason",
        "beneficiary",
        a_session,
        start_move_reason,
        "Rendez-vous médical ce jour-là",
        "votre conseiller·ère reçoit votre motif",
        move_reason_is,
        "le motif du décalage de votre séance",
    ),
    FlowCase(
        "task_note",
        "beneficiary",
        a_task,
        start_task_note,
        "CV envoyé à trois employeurs",
        "Note enregistrée",
        task_note_is,
        "votre note sur une démarche",
    ),
    FlowCase(
        "journal_note",
        "beneficiary",
        nothing,
        start_journal_note,
        "L'enquête métier m'a rassuré.",
        "Enregistrée dans votre journal",
        journal_has,
        "votre note de journal",
    ),
    FlowCase(
        "enquete_questions",
        "beneficiary",
        an_enquete,
        start_enquete_questions,
        "Comment se passe une journée type ?",
        "Vos questions sont enregistrées",
        enquete_questions_are,
        "vos notes sur une enquête métier",
    ),
)

COUNSELLOR_FLOWS = (
    FlowCase(
        "session_draft",
        "counsellor",
        nothing,
        start_session_draft,
        "après-demain 14h30",
        "Combien de temps durera-t-elle",
        session_draft_has,
        "la séance que vous programmiez",
    ),
    FlowCase(
        "task_title",
        "counsellor",
        nothing,
        start_task_title,
        "Appeler trois centres de formation",
        "Ajoutez des précisions",
        task_draft_has,
        "la démarche que vous donniez",
    ),
    FlowCase(
        "contact",
        "counsellor",
        nothing,
        start_contact,
        "Mme Durand, boulangerie du Centre",
        "Écrivez comment le ou la joindre",
        contact_draft_has,
        "le contact que vous écriviez",
    ),
    FlowCase(
        "search",
        "counsellor",
        nothing,
        start_search,
        "Paul",
        "Recherche « Paul » : 1 personne trouvée",
        None,
        "la recherche d'un·e bénéficiaire",
    ),
    FlowCase(
        "main_project",
        "counsellor",
        in_conclusion,
        start_main_project,
        "Comptable en cabinet",
        "Projet principal : Comptable en cabinet",
        main_project_is,
        "ce que vous écriviez dans le plan d'action",
    ),
    FlowCase(
        "synthesis_upload",
        "counsellor",
        in_conclusion,
        start_upload,
        "Voici la version corrigée",
        "J'attends la synthèse modifiée sous forme de fichier",
        None,
        "le fichier de synthèse que vous alliez envoyer",
    ),
)

PAIRS = [
    pytest.param(first, second, id=f"{first}-then-{second}")
    for flows in (BENEFICIARY_FLOWS, COUNSELLOR_FLOWS)
    for first, second in itertools.permutations(flows, 2)
    if first.label != second.label  # two ways into the same flow set nothing aside
]


def _notices(texts: list[str]) -> list[str]:
    return [line for text in texts for line in text.splitlines() if line.startswith("↩️")]


@pytest.mark.parametrize(("first", "second"), PAIRS)
async def test_typed_text_reaches_the_flow_started_last_and_the_person_is_told(
    db: Database, people: People, app_bot: AppHarness, first: FlowCase, second: FlowCase
) -> None:
    scene = Scene(db, people, app_bot)
    person = PAUL if first.role == "beneficiary" else CLAIRE
    await first.setup(scene)
    await second.setup(scene)

    since = scene.mark()
    await first.start(scene)
    assert _notices(scene.said(person, since)) == []  # nothing was set aside yet

    since = scene.mark()
    await second.start(scene)
    started = scene.said(person, since)
    notice = NOTICE.format(what=first.label)
    assert _notices(started) == [notice], started
    assert any(text.split("\n", 1)[0] == notice for text in started), started

    since = scene.mark()
    await app_bot.send(person, second.typed)
    answer = "\n".join(scene.said(person, since))
    assert second.answer in answer, answer
    assert first.answer not in answer, answer
    assert _notices([answer]) == [], answer
    if second.reached is not None:
        assert await second.reached(scene, second.typed)
    if first.reached is not None:
        assert not await first.reached(scene, second.typed)


# --- the issue, as it was reported ---------------------------------------------------------


async def _counsellor_rows(scene: Scene) -> list[OutboxMessage]:
    async with scene.db.transaction() as session:
        found = await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.recipient_kind == "counsellor",
                OutboxMessage.recipient_id == scene.claire.counsellor_id,
                OutboxMessage.beneficiary_id == scene.bid,
            )
        )
        return list(found)


async def test_a_savoir_faire_then_moving_a_session_the_reason_goes_to_the_session(
    db: Database, people: People, app_bot: AppHarness
) -> None:
    scene = Scene(db, people, app_bot)
    await a_session(scene)
    bot = app_bot
    home = await bot.send(PAUL, "/competences")
    kinds = await bot.press_button(PAUL, home, "Ajouter une compétence")
    asked = await bot.press_button(PAUL, kinds, "Savoir-faire")
    assert "Écrivez ce savoir-faire" in asked.text

    listing = await bot.send(PAUL, "/seances")
    card = await bot.press(PAUL, listing, f"s:v:{scene.ids['session']}")
    moving = await bot.press_button(PAUL, card, "🔁 Je dois décaler")
    first_line, rest = moving.text.split("\n", 1)
    assert first_line == "↩️ J'ai mis de côté la compétence que vous ajoutiez."
    assert "tapez le motif" in rest

    thanks = await bot.send(PAUL, "Rendez-vous médical ce jour-là")
    assert "votre conseiller·ère reçoit votre motif" in thanks.text
    assert await move_reason_is(scene, "Rendez-vous médical ce jour-là")
    keys = [row.dedupe_key for row in await _counsellor_rows(scene)]
    assert any(key.endswith(":reason") for key in keys), keys
    async with db.transaction() as session:
        skills = await portfolio.read_portfolio(session, scene.paul, scene.bid)
    assert [s for s in skills if s.kind == "savoir_faire"] == []
