"""The draft synthesis: every regulatory section, and only what the bilan stored.

Built from Sophie's complete bilan (``tests/synthesis_persona.py``) and from
an empty one: the draft may frame facts in its own fixed sentences, but every
word that claims to be hers must be found in her answers, every job title in
her dossier, and where material is missing the draft asks the counsellor to
write rather than filling in.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from dialogues.engine.recap import format_answer
from dialogues.instruments import load_all
from dialogues.scoring import score_riasec
from dialogues.synthesis import (
    SECTION_KEYS,
    InquiryFact,
    SkillFact,
    StepFact,
    SynthesisMaterial,
    assemble,
    final_version,
    quoted_words,
)
from dialogues.synthesis_model import BlockKind, SynthesisDraft
from tests.synthesis_persona import (
    ALTERNATIVE_PROJECT,
    JOB_TITLES,
    MAIN_PROJECT,
    STEPS,
    TYPED,
    dossier_answers,
)

DOSSIER = load_all()["dossier_auto_bilan"]
EVIDENCE = TYPED["reussite_1"]
TODAY = date(2026, 11, 26)


def material(locale: str = "fr", answers: dict[str, Any] | None = None) -> SynthesisMaterial:
    riasec = load_all()["riasec_short"]
    liking = {"S": 4, "E": 3, "C": 2}
    riasec_answers = {q.key: liking.get(q.dimension or "", 0) for _, q in riasec.questions()}
    return SynthesisMaterial(
        locale=locale,
        person="Sophie Marchand",
        counsellor="Claire Martin",
        today=TODAY,
        started_on=date(2026, 9, 7),
        concluded_on=date(2026, 11, 20),
        session_minutes=(120, 90, 90, 120, 60),
        dossier=DOSSIER,
        dossier_answers=dossier_answers() if answers is None else answers,
        riasec=score_riasec(riasec, riasec_answers).to_dict(),
        carried_skills=(
            SkillFact("savoir_faire", "Former les stagiaires", "expert", EVIDENCE),
            SkillFact("savoir_etre", "Être à l'écoute", "autonome"),
        ),
        main_project=MAIN_PROJECT,
        alternative_project=ALTERNATIVE_PROJECT,
        steps=tuple(StepFact(title, date(2027, 1, 1 + i)) for i, (title, _) in enumerate(STEPS)),
        checkins=(date(2027, 2, 20), date(2027, 5, 20)),
    )


def stored_words(answers: dict[str, Any]) -> set[str]:
    """Every answer of the dossier as the person typed or ticked it, and as it reads."""
    words = {EVIDENCE, "Former les stagiaires", "Être à l'écoute"}
    for answer_id, value in answers.items():
        if isinstance(value, str):
            words.add(value)
        key = answer_id.split("#")[0]
        if "#more#" in answer_id or key not in {q.key for _, q in DOSSIER.questions()}:
            continue
        for locale in ("fr", "en"):
            words.add(format_answer(DOSSIER.question(key), value, locale))
    return words


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_every_regulatory_section_is_there_in_order(locale: str) -> None:
    draft = assemble(material(locale))
    assert tuple(s.key for s in draft.sections) == SECTION_KEYS
    titles = [s.title for s in draft.sections]
    if locale == "fr":
        assert titles[0].startswith("1. Circonstances")
        assert "Projet professionnel et projet de formation" in titles[2]
        assert "Facteurs favorables et points de vigilance" in titles[3]
    else:
        assert titles[4] == "5. Main steps planned"
    for section in draft.sections:
        assert section.blocks, section.key


def test_the_persons_words_are_found_in_their_answers() -> None:
    answers = dossier_answers()
    words = stored_words(answers)
    draft = assemble(material())
    quotes = [b for b in draft.blocks() if b.kind == BlockKind.QUOTE]
    assert len(quotes) >= 12
    for block in quotes:
        assert block.source, block.text
        assert block.text in words, block.text
    for block in draft.blocks():
        if block.kind == BlockKind.ITEM and block.source and "Dossier" in block.source:
            assert any(word and word in block.text for word in words), block.text


def test_every_job_title_in_the_draft_is_in_the_dossier() -> None:
    text = assemble(material()).plain_text()
    experiences = re.findall(r"^(.+), \w+ \d{4} – ", text, flags=re.MULTILINE)
    held = re.findall(r"^Poste occupé\s?: (.+)$", text, flags=re.MULTILINE)
    assert sorted(experiences) == sorted(
        ["Aide-soignante en EHPAD", "Agente de service hospitalier"]
    )
    assert held == ["Aide-soignante"]
    for title in experiences + held:
        assert title in JOB_TITLES
    # The projects are the counsellor's words, from the action plan, verbatim.
    assert MAIN_PROJECT in text and ALTERNATIVE_PROJECT in text


def test_health_answers_are_never_copied() -> None:
    answers = dossier_answers()
    assert answers["sante_travail"]
    text = assemble(material(answers=answers)).plain_text()
    assert "Lombalgie" not in text and "santé" in text  # only the note that says so


def test_an_answer_made_irrelevant_is_not_used() -> None:
    answers = dict(dossier_answers(), statut="recherche")  # "current job" no longer asked
    text = assemble(material(answers=answers)).plain_text()
    assert "Poste occupé" not in text
    assert "En recherche d'emploi" in text


def test_missing_material_asks_the_counsellor_and_invents_nothing() -> None:
    empty = SynthesisMaterial(
        locale="fr", person="Sophie Marchand", counsellor="Claire Martin", today=TODAY
    )
    draft = assemble(empty)
    assert tuple(s.key for s in draft.sections) == SECTION_KEYS
    for section in draft.sections:
        kinds = {b.kind for b in section.blocks}
        assert BlockKind.TO_WRITE in kinds or section.key == "circumstances", section.key
    assert not [b for b in draft.blocks() if b.source is not None]
    text = draft.plain_text()
    for typed in TYPED.values():
        assert typed not in text


def test_results_are_framed_as_starting_points() -> None:
    text = assemble(material()).plain_text()
    assert "SEC" in text and "Social, Entreprenant, Conventionnel" in text
    assert "points de départ" in text


def test_carried_skills_keep_their_level_and_evidence() -> None:
    draft = assemble(material())
    skills = next(s for s in draft.sections if s.key == "skills")
    texts = [b.text for b in skills.blocks]
    # The level is the person's own rating, said as such, not a fact.
    assert "Former les stagiaires — niveau qu'il ou elle s'attribue\u00a0: expert" in texts
    assert "Être à l'écoute — niveau qu'il ou elle s'attribue\u00a0: autonome" in texts
    assert not any("niveau expert" in t or "maîtrisée" in t for t in draft.plain_text().split("\n"))
    assert EVIDENCE in texts
    kinds = [b.text for b in skills.blocks if b.kind == BlockKind.HEADING]
    assert kinds.index("Savoir-faire retenus pour le projet") < kinds.index(
        "Savoir-être professionnels retenus pour le projet"
    )


def test_english_reads_english() -> None:
    draft: SynthesisDraft = assemble(replace(material(), locale="en"))
    text = draft.plain_text()
    assert "Skills assessment synthesis document" in text
    assert "Circonstances" not in text and "Dossier d'auto-bilan" not in text
    assert "Situation at the start: Employee on a permanent contract" in text


def test_a_training_project_written_in_the_plan_replaces_the_prompt() -> None:
    without = next(s for s in assemble(material()).sections if s.key == "project")
    assert any(b.kind == BlockKind.TO_WRITE and "formation" in b.text for b in without.blocks)
    training = "Titre professionnel de formateur d'adultes, AFPA, 9 mois, CPF de transition."
    drafted = assemble(replace(material(), training_project=training))
    project = next(s for s in drafted.sections if s.key == "project")
    texts = [b.text for b in project.blocks]
    assert texts[texts.index("Projet de formation") + 1] == training


def test_ticked_savoir_etre_stay_when_a_skill_is_starred() -> None:
    """A starred skill replaces the dossier's typed savoir-faire, never its ticked qualities."""
    for carried in (material().carried_skills, material().carried_skills[:1], ()):
        draft = assemble(replace(material(), carried_skills=carried))
        skills = next(s for s in draft.sections if s.key == "skills")
        qualities = [b for b in skills.blocks if b.text.startswith("Qualités")]
        assert len(qualities) == 1 and "Écoute" in qualities[0].text, carried
        assert qualities[0].source is not None


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_the_final_version_keeps_nothing_for_the_counsellor(locale: str) -> None:
    draft = assemble(material(locale))
    working = "Version de travail" if locale == "fr" else "Working version"
    assert any(working in line for line in draft.working_lines)
    assert draft.to_write() > 0 and draft.working_notes
    final = final_version(draft, date(2026, 12, 2))
    text = final.plain_text()
    assert working not in text
    assert final.to_write() == 0
    for note in draft.working_notes:
        assert note not in text
    dated = "Version définitive du 2 décembre 2026" if locale == "fr" else "Final version of"
    assert dated in final.lines[-1]
    assert final.notes == draft.notes  # how to read the marks, whose document it is
    # What the person agreed to is all there, but the prompts.
    kept = [b for b in draft.blocks() if b.kind != BlockKind.TO_WRITE]
    for block in kept:
        if block.kind != BlockKind.HEADING:
            assert block in list(final.blocks())
    # No sub-heading is left heading nothing once its prompt is gone.
    for section in final.sections:
        for at, block in enumerate(section.blocks):
            if block.kind == BlockKind.HEADING:
                assert at + 1 < len(section.blocks), block.text
                assert section.blocks[at + 1].kind != BlockKind.HEADING, block.text


def test_reported_inquiries_confront_the_project_in_the_persons_words() -> None:
    learned = "Les formateurs travaillent souvent en indépendants, il faut démarcher."
    inquiries = (
        InquiryFact("Formateur / Formatrice", date(2026, 10, 3), "partly", learned, None, True),
        InquiryFact(
            "Conseiller / Conseillère",
            date(2026, 9, 20),
            "no",
            "Trop de chiffres.",
            "Voir une autre piste",
        ),
    )
    without = next(s for s in assemble(material()).sections if s.key == "project")
    assert "enquêtes métiers" not in " ".join(b.text for b in without.blocks)
    for locale, heading, first in (
        ("fr", "Confrontation avec l'environnement socio-économique", "20 septembre 2026"),
        ("en", "socio-economic environment", "20 September 2026"),
    ):
        draft = assemble(replace(material(), locale=locale, inquiries=inquiries))
        project = next(s for s in draft.sections if s.key == "project")
        texts = [b.text for b in project.blocks]
        start = next(i for i, t in enumerate(texts) if heading in t)
        blocks = project.blocks[start + 1 :]
        assert first in blocks[0].text  # oldest meeting first
        assert blocks[0].source is not None and first in blocks[0].source
        quotes = [b for b in blocks if b.kind == BlockKind.QUOTE]
        assert [q.text for q in quotes] == ["Trop de chiffres.", "Voir une autre piste", learned]
        assert all(q.source and q.source.startswith(blocks[0].source) for q in quotes[:2])
    french = assemble(replace(material(), inquiries=inquiries)).plain_text()
    assert (
        "Formateur / Formatrice : rencontre le 3 octobre 2026 avec un contact du fichier "
        "de l'organisme ; confirme le projet : en partie"
    ) in french.replace("\u202f", " ").replace("\u00a0", " ")
    assert learned in quoted_words(assemble(replace(material(), inquiries=inquiries)))
