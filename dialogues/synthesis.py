"""Assemble a draft document de synthèse from what the bilan stored, inventing nothing.

The guide asks for a synthesis *co-written* at conclusion, in the structure
the regulation gives: the circumstances of the bilan; the skills and
aptitudes with regard to the envisaged evolution; the professional project,
the training project if any, and the alternative; the favourable factors and
points of vigilance; the main steps planned. Counsellors spend hours
assembling it from their notes; everything it starts from is already here.

Three rules shape the draft:

* **Nothing invented.** Every block is either a fact the bilan stored (a
  date, a count, a result, a plan step, a choice the person ticked) written
  in a fixed sentence of ``synthesis.toml``, the person's own words, or a
  prompt that tells the counsellor what is theirs to write. Where material
  is missing the draft says so with a prompt, never with filler.
* **The person's words are marked.** Anything taken from their answers
  carries ``source`` (the answer it comes from), and the files print it.
* **Only what is visible counts.** An answer to a question the person later
  made irrelevant (they changed their status, so "current position" is no
  longer asked) is still stored, but is not theirs any more: the draft reads
  answers through the questionnaire engine's visible steps.

Health answers are never copied, even when given: the person decides what of
it goes into a document they may hand to others.

Pure: the bot gathers a :class:`SynthesisMaterial` through the access-checked
storage functions and calls :func:`assemble`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from dialogues.engine.answers import is_skipped, is_unknown
from dialogues.engine.navigation import is_answered, visible_steps
from dialogues.engine.recap import format_answer
from dialogues.formats import format_iso_date, format_month_year
from dialogues.instruments import Instrument, QuestionType
from dialogues.languages import for_locale, pick
from dialogues.results import riasec_name, value_name
from dialogues.scoring.riasec import RiasecResult
from dialogues.scoring.values import ValuesResult
from dialogues.synthesis_model import Block, BlockKind, Section, SynthesisDraft

SECTION_KEYS: tuple[str, ...] = ("circumstances", "skills", "project", "factors", "steps")
"""The regulatory sections, in order; a test checks that every draft holds them all."""

HEALTH_QUESTIONS = frozenset({"sante", "sante_travail"})

_HOURS = {"fr": ("{hours}\u00a0h", "\u00a0{rest:02d}"), "en": ("{hours} h", " {rest:02d} min")}
"""Hours of sessions, "12 h 30": the hours, then the minutes when there are some."""


@dataclass(frozen=True)
class SkillFact:
    """A skill the person chose to carry into their project (from their portfolio)."""

    kind: str  # "savoir_faire" | "savoir_etre"
    label: str
    level: str | None = None  # "debutant" | "autonome" | "expert"
    evidence: str | None = None


@dataclass(frozen=True)
class StepFact:
    title: str
    target: date
    done: bool = False


@dataclass(frozen=True)
class InquiryFact:
    """A field inquiry the person reported (``/enquetes``), in their words."""

    title: str
    met_on: date
    confirms: str  # "yes" | "partly" | "no"
    learned: str
    next_step: str | None = None
    from_file: bool = False
    """Met through a contact of the organisation's file (never named here)."""


@dataclass(frozen=True)
class SynthesisMaterial:
    """Everything the draft may use, already read through the access-checked door."""

    locale: str
    person: str
    counsellor: str
    today: date
    started_on: date | None = None
    concluded_on: date | None = None
    session_minutes: tuple[int, ...] = ()
    """Durations of the sessions marked as held."""
    dossier: Instrument | None = None
    dossier_answers: Mapping[str, Any] | None = None
    riasec: Mapping[str, Any] | None = None
    values: Mapping[str, Any] | None = None
    carried_skills: tuple[SkillFact, ...] = ()
    main_project: str | None = None
    alternative_project: str | None = None
    training_project: str | None = None
    steps: tuple[StepFact, ...] = ()
    checkins: tuple[date, ...] = field(default=())
    inquiries: tuple[InquiryFact, ...] = ()


@cache
def _texts() -> dict[str, Any]:
    raw = resources.files(__package__).joinpath("synthesis.toml").read_bytes()
    return tomllib.loads(raw.decode("utf-8"))


def text(group: str, key: str, locale: str, /, **values: object) -> str:
    """One sentence of ``synthesis.toml`` in the locale, placeholders filled."""
    lang = for_locale(locale)
    template = str(pick(_texts()[group][key], lang, f"synthesis text {group}.{key}"))
    filled = template.format(**values) if values else template
    return lang.typeset(filled)


def _day(value: date, locale: str) -> str:
    return format_iso_date(value.isoformat(), locale)


def _hours(minutes: int, locale: str) -> str:
    hours, rest = divmod(minutes, 60)
    whole, part = pick(_HOURS, for_locale(locale), "the hours of sessions")
    return whole.format(hours=hours) + (part.format(rest=rest) if rest else "")


class _Answers:
    """The dossier's visible answers, read as the person gave them."""

    def __init__(self, instrument: Instrument | None, answers: Mapping[str, Any] | None):
        self.instrument = instrument
        self.values: dict[str, Any] = {}
        if instrument is None or not answers:
            return
        for step in visible_steps(instrument, answers):
            if step.question is None or step.question.key in HEALTH_QUESTIONS:
                continue
            if is_answered(step, answers):
                value = answers[step.id]
                if not (is_skipped(value) or is_unknown(value)):
                    self.values[step.id] = value

    def has(self, answer_id: str) -> bool:
        return answer_id in self.values

    def raw(self, answer_id: str) -> Any:
        return self.values.get(answer_id)

    def typed(self, answer_id: str) -> str | None:
        """A text answer, verbatim (stripped), or None."""
        value = self.values.get(answer_id)
        return value.strip() or None if isinstance(value, str) else None

    def shown(self, answer_id: str, locale: str) -> str | None:
        """How the answer reads (a choice's label, "Oui", a month), or None."""
        if self.instrument is None or answer_id not in self.values:
            return None
        question = self.instrument.question(answer_id.split("#")[0])
        if question.type is QuestionType.TEXT:
            return self.typed(answer_id)
        return format_answer(question, self.values[answer_id], locale)

    def source(self, answer_id: str, locale: str) -> str:
        assert self.instrument is not None
        section = self.instrument.section_of(answer_id.split("#")[0])
        return text("document", "source_dossier", locale, section=section.title.get(locale))

    def occurrences(self, question_key: str) -> list[int]:
        found = []
        for answer_id in self.values:
            key, _, number = answer_id.partition("#")
            if key == question_key and number.isdigit():
                found.append(int(number))
        return sorted(found)


class _Writer:
    """Blocks of one section, in the locale; every block from an answer carries its source."""

    def __init__(self, locale: str, answers: _Answers):
        self.locale = locale
        self.answers = answers
        self.blocks: list[Block] = []

    def heading(self, name: str) -> None:
        self.blocks.append(Block(BlockKind.HEADING, text("headings", name, self.locale)))

    @contextmanager
    def group(self, name: str) -> Iterator[None]:
        """A sub-heading over what the block adds, left out when it adds nothing."""
        self.heading(name)
        before = len(self.blocks)
        yield
        if len(self.blocks) == before:
            self.blocks.pop()

    def fact(self, group: str, name: str, **values: object) -> None:
        self.blocks.append(Block(BlockKind.TEXT, text(group, name, self.locale, **values)))

    def item(self, group: str, name: str, **values: object) -> None:
        self.blocks.append(Block(BlockKind.ITEM, text(group, name, self.locale, **values)))

    def to_write(self, name: str) -> None:
        self.blocks.append(Block(BlockKind.TO_WRITE, text("to_write", name, self.locale)))

    def answer_item(self, name: str, answer_id: str) -> bool:
        """``Label : answer`` as a list item marked with its source; False if unanswered."""
        shown = self.answers.shown(answer_id, self.locale)
        if shown is None:
            return False
        source = self.answers.source(answer_id, self.locale)
        self.blocks.append(
            Block(BlockKind.ITEM, text("facts", name, self.locale, value=shown), source)
        )
        return True

    def quote(self, answer_id: str, label: str | None = None) -> bool:
        """The person's typed answer, verbatim, marked; False if there is none.

        The block holds their words only; what the answer was about (``label``,
        a key of ``[labels]``) goes into its source, so that a quote never
        mixes the draft's words with theirs.
        """
        typed = self.answers.typed(answer_id)
        if typed is None:
            return False
        source = self.answers.source(answer_id, self.locale)
        if label is not None:
            source = f"{source} · {text('labels', label, self.locale)}"
        self.blocks.append(Block(BlockKind.QUOTE, typed, source))
        return True

    def own_words(self, words: str, source: str) -> None:
        self.blocks.append(Block(BlockKind.QUOTE, words, source))

    def section(self, key: str) -> Section:
        return Section(key, text("sections", key, self.locale), tuple(self.blocks))


def _circumstances(m: SynthesisMaterial, a: _Answers) -> Section:
    w = _Writer(m.locale, a)
    if m.session_minutes:
        w.fact(
            "facts",
            "sessions",
            count=len(m.session_minutes),
            hours=_hours(sum(m.session_minutes), m.locale),
        )
    else:
        w.fact("facts", "no_sessions")
    w.answer_item("situation", "statut")
    if not w.answer_item("current_job", "poste_actuel"):
        w.answer_item("last_job", "dernier_poste")
    w.answer_item("since", "poste_depuis")
    w.answer_item("initiative", "initiative")
    w.heading("request")
    w.quote("declencheur", "trigger")
    w.answer_item("expectations", "attentes")
    w.quote("bilan_utile", "useful")
    w.answer_item("deadline", "echeance")
    w.to_write("request")
    return w.section("circumstances")


def _background(w: _Writer, a: _Answers) -> None:
    locale = w.locale
    with w.group("background"):
        w.answer_item("degree", "niveau_diplome")
        for number in a.occurrences("diplome_intitule"):
            title = a.typed(f"diplome_intitule#{number}")
            if title is None:
                continue
            state = a.shown(f"diplome_etat#{number}", locale) or "—"
            year = a.raw(f"diplome_annee#{number}")
            name = "diploma" if isinstance(year, int) else "diploma_no_year"
            sentence = text("facts", name, locale, title=title, state=state, year=year)
            w.blocks.append(
                Block(BlockKind.ITEM, sentence, a.source(f"diplome_intitule#{number}", locale))
            )
        w.quote("formations_suivies", "courses")
    numbers = a.occurrences("exp_poste")
    if numbers:
        w.heading("experiences")
    for number in numbers:
        title = a.typed(f"exp_poste#{number}")
        if title is None:
            continue
        start = a.raw(f"exp_debut#{number}")
        end = a.raw(f"exp_fin#{number}")
        ongoing = a.raw(f"exp_en_cours#{number}") is True
        sentence = text(
            "facts",
            "experience",
            locale,
            title=title,
            start=format_month_year(start, locale) if isinstance(start, str) else "?",
            end=text("facts", "ongoing", locale)
            if ongoing
            else format_month_year(end, locale)
            if isinstance(end, str)
            else "?",
        )
        source = a.source(f"exp_poste#{number}", locale)
        w.blocks.append(Block(BlockKind.ITEM, sentence, source))
        w.quote(f"exp_missions#{number}", "missions")
        w.quote(f"exp_aime#{number}", "liked")


def _skills(m: SynthesisMaterial, a: _Answers) -> Section:
    w = _Writer(m.locale, a)
    _background(w, a)
    source = text("document", "source_portfolio", m.locale)
    evidence_source = text("document", "source_evidence", m.locale)
    carried_kinds = {skill.kind for skill in m.carried_skills}
    for kind in ("savoir_faire", "savoir_etre"):
        with w.group(f"carried_{kind}"):
            for skill in (s for s in m.carried_skills if s.kind == kind):
                sentence = (
                    text(
                        "facts",
                        "skill_level",
                        m.locale,
                        label=skill.label,
                        level=text("levels", skill.level, m.locale),
                    )
                    if skill.level
                    else skill.label
                )
                w.blocks.append(Block(BlockKind.ITEM, sentence, source))
                if skill.evidence:
                    w.own_words(skill.evidence, evidence_source)
    with w.group("declared"):
        if "savoir_faire" not in carried_kinds:  # the portfolio's choice says it better
            w.quote("savoir_faire", "savoir_faire")
            w.quote("savoir_faire_prefere", "preferred")
        # The savoir-être ticked in the dossier stay: a star on one skill is no
        # reason to drop what the person said of the way they work.
        w.answer_item("qualities", "qualites")
        w.answer_item("tools", "outils")
        w.answer_item("languages", "langues")
    if any(a.has(key) for key in ("reussite_1", "reussite_2", "reussite_3")):
        w.heading("achievements")
        for key in ("reussite_1", "reussite_2", "reussite_3"):
            w.quote(key)
        w.quote("reussites_disent", "achievements_say")
    _results(w, m)
    w.to_write("aptitudes")
    return w.section("skills")


def _results(w: _Writer, m: SynthesisMaterial) -> None:
    riasec = _parse(RiasecResult.from_dict, m.riasec)
    values = _parse(ValuesResult.from_dict, m.values)
    if riasec is None and values is None:
        return
    w.heading("interests")
    locale = m.locale
    if riasec is not None:
        if riasec.code and not riasec.flat:
            names = ", ".join(riasec_name(letter, locale) for letter in riasec.code)
            w.item("facts", "riasec_code", code=riasec.code, names=names)
        else:
            w.item("facts", "riasec_flat", display=riasec.display)
    if values is not None:
        ordered = [" = ".join(value_name(v, locale) for v in group) for group in values.groups]
        w.item("facts", "values_order", values=" > ".join(ordered[:3]))
    w.fact("facts", "results_note")


def _parse(reader: Any, data: Mapping[str, Any] | None) -> Any:
    if not data:
        return None
    try:
        return reader(data)
    except (KeyError, TypeError, ValueError):
        return None


def _project(m: SynthesisMaterial, a: _Answers) -> Section:
    w = _Writer(m.locale, a)
    w.heading("main_project")
    if m.main_project:
        w.blocks.append(Block(BlockKind.TEXT, m.main_project))
    else:
        w.to_write("main_project")
    w.heading("training")
    if m.training_project:
        w.blocks.append(Block(BlockKind.TEXT, m.training_project))
    else:
        w.to_write("training")
    w.heading("alternative")
    if m.alternative_project:
        w.blocks.append(Block(BlockKind.TEXT, m.alternative_project))
    else:
        w.to_write("alternative")
    if a.has("pistes_liste"):
        w.heading("first_ideas")
        w.quote("pistes_liste", "ideas")
        w.quote("pistes_demarches", "steps_taken")
    _inquiries(w, m)
    return w.section("project")


def _inquiries(w: _Writer, m: SynthesisMaterial) -> None:
    """The confrontation with the socio-economic environment: what the person went to see.

    The contact met is never named (they agreed to be contacted, not to be in
    a document); what the person learned and plans next are their own words.
    """
    with w.group("inquiries"):
        for inquiry in sorted(m.inquiries, key=lambda i: i.met_on):
            day = _day(inquiry.met_on, m.locale)
            source = text("document", "source_inquiry", m.locale, date=day)
            who = text("facts", "inquiry_file" if inquiry.from_file else "inquiry_own", m.locale)
            sentence = text(
                "facts",
                "inquiry",
                m.locale,
                title=inquiry.title,
                date=day,
                who=who,
                answer=text("confirms", inquiry.confirms, m.locale),
            )
            w.blocks.append(Block(BlockKind.ITEM, sentence, source))
            w.own_words(inquiry.learned, f"{source} · {text('labels', 'learned', m.locale)}")
            if inquiry.next_step:
                label = text("labels", "next_step", m.locale)
                w.own_words(inquiry.next_step, f"{source} · {label}")


def _factors(m: SynthesisMaterial, a: _Answers) -> Section:
    """What the person said that helps, what frames the project, what worries them.

    The draft sorts answers only where the answer itself says which side it
    is on (ready to train or not, a licence or not); the rest is listed as the
    frame they described, and the analysis is left to the counsellor.
    """
    w = _Writer(m.locale, a)
    with w.group("favourable"):
        if a.raw("pret_formation") is True:
            w.answer_item("ready_training", "pret_formation")
            w.answer_item("training_length", "duree_formation")
        if a.raw("permis") is True:
            w.answer_item("licence", "permis")
        source = text("document", "source_portfolio", m.locale)
        for skill in m.carried_skills:
            if skill.level == "expert":
                sentence = text("facts", "expert_skill", m.locale, label=skill.label)
                w.blocks.append(Block(BlockKind.ITEM, sentence, source))
    with w.group("conditions"):
        w.answer_item("mobility", "mobilite")
        w.answer_item("time", "temps_disponible")
        w.answer_item("money", "marge_financiere")
        w.answer_item("change", "ampleur")
    with w.group("vigilance"):
        if a.raw("pret_formation") is False:
            w.answer_item("ready_training", "pret_formation")
        if a.raw("permis") is False:
            w.answer_item("licence", "permis")
        w.quote("inquietudes", "worries")
        w.quote("pistes_ecartees", "ruled_out")
    w.to_write("factors")
    return w.section("factors")


def _steps(m: SynthesisMaterial, a: _Answers) -> Section:
    w = _Writer(m.locale, a)
    for step in sorted(m.steps, key=lambda s: s.target):
        name = "step_done" if step.done else "step"
        w.item("facts", name, title=step.title, date=_day(step.target, m.locale))
    if not m.steps:
        w.to_write("steps")
    if m.checkins:
        w.heading("followup")
        for day in m.checkins:
            w.fact("facts", "checkin", date=_day(day, m.locale))
    return w.section("steps")


def assemble(material: SynthesisMaterial) -> SynthesisDraft:
    """The draft: the five regulatory sections, from ``material`` only."""
    m = material
    locale = for_locale(m.locale).code
    m = replace(m, locale=locale)
    answers = _Answers(m.dossier, m.dossier_answers)
    lines = [
        text("document", "person", locale, name=m.person),
        text("document", "counsellor", locale, name=m.counsellor),
    ]
    if m.started_on and m.concluded_on:
        lines.append(
            text(
                "document",
                "period",
                locale,
                start=_day(m.started_on, locale),
                end=_day(m.concluded_on, locale),
            )
        )
    elif m.started_on:
        lines.append(text("document", "started", locale, start=_day(m.started_on, locale)))
    sections = (
        _circumstances(m, answers),
        _skills(m, answers),
        _project(m, answers),
        _factors(m, answers),
        _steps(m, answers),
    )
    notes = (
        text("document", "legend", locale, name=m.person),
        text("document", "owner", locale, name=m.person),
    )
    return SynthesisDraft(
        text("document", "title", locale),
        tuple(lines),
        sections,
        notes,
        locale,
        working_lines=(text("document", "version", locale, date=_day(m.today, locale)),),
        working_notes=(text("document", "health", locale, name=m.person),),
    )


def final_version(draft: SynthesisDraft, delivered_on: date) -> SynthesisDraft:
    """The agreed version as delivered: dated, and without what was for the counsellor."""
    locale = for_locale(draft.locale).code
    return draft.final((text("document", "final", locale, date=_day(delivered_on, locale)),))


def quoted_words(draft: SynthesisDraft) -> list[str]:
    """Every block marked as the person's words (for checks that nothing was invented)."""
    return [block.text for block in draft.blocks() if block.source is not None]
