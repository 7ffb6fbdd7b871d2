"""A complete, realistic bilan for the synthesis tests and benchmark (an invented person).

Sophie is an aide-soignante of twelve years who wants to train others. Her
dossier, inventories, ticked job skills, skills portfolio and action plan are
written through the storage functions, as the bot writes them. The texts are
French, like the people this bot serves; every job title she typed is kept in
:data:`JOB_TITLES` so that tests can check the draft holds only those.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from dialogues.engine import next_step
from dialogues.instruments import Instrument, load_all
from dialogues.portfolio import gather
from dialogues.rome import load_rome
from dialogues.scoring import score_riasec, score_values
from storage import plans, portfolio
from storage.actors import BeneficiaryActor, CounsellorActor
from storage.db import Database
from storage.responses import open_run, save_answer, submit_run
from storage.skills import choose_job, save_skills, toggle_draft_skill

JOB_TITLES = (
    "Aide-soignante en EHPAD",
    "Agente de service hospitalier",
    "Aide-soignante",
)
TYPED: dict[str, str] = {
    "poste_actuel": "Aide-soignante",
    "diplome_intitule#1": "Diplôme d'État d'aide-soignant",
    "formations_suivies": "Formation à la bientraitance (2019), tutorat des stagiaires (2021)",
    "exp_poste#1": "Aide-soignante en EHPAD",
    "exp_missions#1": (
        "Soins d'hygiène et de confort pour 14 résidents, transmissions écrites et orales, "
        "accueil des familles, tutorat des élèves aides-soignants."
    ),
    "exp_aime#1": "Le lien avec les résidents et transmettre mon métier aux stagiaires.",
    "exp_moins_aime#1": "Le manque de temps pour chaque résident.",
    "exp_poste#2": "Agente de service hospitalier",
    "exp_missions#2": "Entretien des chambres, distribution des repas, aide aux soignants.",
    "exp_aime#2": "Le travail en équipe de nuit.",
    "exp_moins_aime#2": "Les horaires décalés.",
    "savoir_faire": (
        "accompagner les personnes âgées, transmettre les consignes, former les stagiaires, "
        "gérer les situations d'urgence"
    ),
    "savoir_faire_prefere": "Former les stagiaires et expliquer les gestes.",
    "savoir_faire_a_developper": "Animer une formation devant un groupe.",
    "outils": "Logiciel de soins NetSoins, tableur",
    "reussite_1": (
        "J'ai conçu un livret d'accueil pour les stagiaires, repris depuis par tout "
        "l'établissement."
    ),
    "reussite_2": "J'ai accompagné une résidente en fin de vie en lien avec sa famille.",
    "reussites_disent": "Que je sais transmettre et que je reste calme dans les moments durs.",
    "loisirs": "Randonnée, chorale",
    "engagement_role": "Bénévole à la Croix-Rouge, formatrice aux premiers secours",
    "declencheur": "Mon dos me fait souffrir et j'ai envie de transmettre ce que je sais.",
    "bilan_utile": "Savoir si je peux devenir formatrice et par quel chemin.",
    "inquietudes": "Ne pas avoir le niveau pour reprendre des études.",
    "pistes_liste": "Formatrice en IFAS, coordinatrice de soins à domicile",
    "pistes_demarches": "J'ai rencontré la directrice de l'IFAS de ma ville.",
    "pistes_ecartees": "Le travail de nuit.",
    "mot_libre": "Je suis disponible le mercredi.",
    "sante_travail": "Lombalgie chronique, port de charges à éviter.",
}
CHOSEN: dict[str, Any] = {
    "statut": "cdi",
    "poste_depuis": "2012-03",
    "initiative": "moi",
    "satisfaction": 2,
    "niveau_diplome": "cap_bep",
    "detailler_diplomes": True,
    "diplome_etat#1": "obtenu",
    "diplome_annee#1": 2011,
    "exp_structure#1": "pme",
    "exp_debut#1": "2012-03",
    "exp_en_cours#1": True,
    "exp_structure#2": "public",
    "exp_debut#2": "2008-09",
    "exp_en_cours#2": False,
    "exp_fin#2": "2012-02",
    "qualites": ["ecoute", "pedagogie", "calme", "equipe"],
    "aisance_numerique": 2,
    "autres_langues": False,
    "engagement": True,
    "attentes": ["reconversion", "verifier", "formation"],
    "echeance": "un_an",
    "ampleur": 3,
    "mobilite": "departement",
    "permis": True,
    "temps_disponible": "de_1_a_3h",
    "pret_formation": True,
    "duree_formation": "moyenne",
    "marge_financiere": "courte",
    "sante": True,
    "pistes": True,
}
SKILLS = ("489898", "107740", "487074", "300465", "300412")
MAIN_PROJECT = "Devenir formatrice en institut de formation d'aides-soignants (IFAS)."
ALTERNATIVE_PROJECT = "Coordinatrice d'un service de soins infirmiers à domicile."
STEPS = (
    ("Rencontrer deux formatrices d'IFAS", 30),
    ("Monter le dossier de VAE du titre de formateur professionnel d'adultes", 90),
    ("Déposer une demande de projet de transition professionnelle", 120),
)


def _value(instrument: Instrument, step_id: str, question: Any, occurrence: int | None) -> Any:
    if step_id in TYPED:
        return TYPED[step_id]
    if step_id in CHOSEN:
        return CHOSEN[step_id]
    if question is None:  # "add another?" of a repeated section
        return step_id.startswith("experiences") and (occurrence or 1) < 2
    kind = question.type.value
    if kind == "text":
        return {"skipped": True} if question.optional else "Non précisé."
    if kind == "multi_choice":
        return [question.choices[0].key]
    if kind == "single_choice":
        return question.choices[0].key
    if kind == "yes_no":
        return False
    if kind == "scale":
        return (question.points or 5) // 2
    if kind == "number":
        return question.min or 0
    raise AssertionError(f"no persona answer for {step_id}")


def dossier_answers() -> dict[str, Any]:
    instrument = load_all()["dossier_auto_bilan"]
    answers: dict[str, Any] = {}
    while (step := next_step(instrument, answers)) is not None:
        answers[step.id] = _value(instrument, step.id, step.question, step.occurrence)
    return answers


def _likes(instrument: Instrument, liking: dict[str, int]) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    while (step := next_step(instrument, answers)) is not None:
        question = step.question
        assert question is not None
        if instrument.kind == "riasec":
            answers[step.id] = liking.get(question.dimension or "", 1)
        else:  # a forced choice: the first value wins unless the second is liked more
            keys = [c.key for c in question.choices]
            answers[step.id] = max(keys, key=lambda k: liking.get(k, 0))
    return answers


async def _submit(
    db: Database, actor: BeneficiaryActor, key: str, answers: dict[str, Any], when: datetime
) -> None:
    instrument = load_all()[key]
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


async def seed(
    db: Database, sophie: BeneficiaryActor, counsellor: CounsellorActor, today: date
) -> None:
    """Everything a finished bilan holds, written as the bot writes it."""
    when = datetime.now(UTC) - timedelta(days=20)
    instruments = load_all()
    await _submit(db, sophie, "dossier_auto_bilan", dossier_answers(), when)
    riasec = _likes(instruments["riasec_short"], {"S": 4, "E": 3, "C": 2, "R": 1})
    await _submit(db, sophie, "riasec_short", riasec, when)
    values = _likes(
        instruments["work_values"],
        {"relationships": 6, "achievement": 5, "support": 4, "conditions": 3},
    )
    await _submit(db, sophie, "work_values", values, when)
    rome = load_rome()
    async with db.transaction() as session:
        await choose_job(session, sophie, "10891", "J1501")
        for skill in SKILLS:
            await toggle_draft_skill(session, sophie, skill)
        await save_skills(session, sophie)
        gathered = gather(
            dossier_answers(),
            instruments["dossier_auto_bilan"],
            "fr",
            [rome.skill(s) for s in SKILLS],
        )
        await portfolio.sync_gathered(session, sophie, gathered)
    async with db.transaction() as session:
        skills = await portfolio.read_portfolio(session, sophie, sophie.beneficiary_id)
        by_label = {s.label.casefold(): s for s in skills}
        train = by_label["former les stagiaires"]
        await portfolio.toggle_carried(session, sophie, train.id)
        await portfolio.set_level(session, sophie, train.id, "expert")
        await portfolio.set_evidence(
            session,
            sophie,
            train.id,
            portfolio.Evidence("achievement", "reussite_1", TYPED["reussite_1"]),
        )
        listening = next(s for s in skills if s.kind == "savoir_etre")
        await portfolio.toggle_carried(session, sophie, listening.id)
        await portfolio.set_level(session, sophie, listening.id, "autonome")
    async with db.transaction() as session:
        bid = sophie.beneficiary_id
        await plans.set_project(session, counsellor, bid, "main", MAIN_PROJECT)
        await plans.set_project(session, counsellor, bid, "alternative", ALTERNATIVE_PROJECT)
        for title, days in STEPS:
            await plans.add_step(session, counsellor, bid, title, today + timedelta(days=days))
