"""The ROME 4.0 extract: loading, title search, skills, moves, transferable skills, pistes."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

import dialogues.rome
from dialogues.rome import Rome, load_rome
from dialogues.rome.pistes import sheet_score
from dialogues.rome.search import normalise

EXTRACT = Path(dialogues.rome.__file__).parent / "rome_extract.json.gz"


@pytest.fixture(scope="module")
def rome() -> Rome:
    return load_rome()


def first_titles(rome: Rome, query: str, n: int = 3) -> list[str]:
    return [a.title for a in rome.search_appellations(query, limit=n)]


# --- the extract ---------------------------------------------------------------------


def test_extract_is_small_and_carries_the_attribution(rome: Rome) -> None:
    assert EXTRACT.stat().st_size < 3 * 1024 * 1024
    assert rome.attribution == "Source : France Travail, ROME 4.0 (version 60, 2025)"
    assert "Licence Ouverte" in rome.licence
    assert (rome.version, rome.published) == ("60", "2025-09-18")


def test_extract_holds_every_sheet_and_title(rome: Rome) -> None:
    sheets = list(rome.sheets())
    assert len(sheets) == 1584
    assert len(rome.appellations()) > 13_000
    assert all(s.riasec_main in "RIASEC" and len(s.riasec_main) == 1 for s in sheets)
    assert all(s.title and s.domain and s.grand_domain for s in sheets)
    assert sum(bool(s.summary) for s in sheets) > 1500
    assert all("''" not in s.summary for s in sheets)


def test_load_is_cached(rome: Rome) -> None:
    assert load_rome() is rome


def test_sheet_fields(rome: Rome) -> None:
    nurse = rome.sheet("J1506")
    assert nurse.title == "Infirmier / Infirmière en soins généraux (IDE)"
    assert (nurse.riasec_main, nurse.riasec_minor, nurse.riasec) == ("S", "I", "SI")
    assert (nurse.domain_code, nurse.domain) == ("J15", "Soins paramédicaux")
    assert (nurse.grand_domain_code, nurse.grand_domain) == ("J", "Santé")
    assert nurse.summary.startswith("L'infirmier en soins généraux")
    assert any("Diplôme d'Etat d'Infirmier" in line for line in nurse.access)
    assert nurse.regulated
    assert "J1506" in rome and "Z9999" not in rome
    with pytest.raises(KeyError):
        rome.sheet("Z9999")


# --- search ------------------------------------------------------------------------


def test_search_finds_a_nurse_without_accents(rome: Rome) -> None:
    hits = rome.search_appellations("infirmiere", limit=5)
    assert len(hits) == 5
    assert all(h.title.startswith("Infirmier") and "Infirmière" in h.title for h in hits)
    assert all(h.code.startswith("J15") for h in hits)


def test_search_understands_dev_web(rome: Rome) -> None:
    assert first_titles(rome, "dev web", 1) == ["Développeur / Développeuse web"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("comptable", "Comptable"),
        ("boulangere", "Boulanger / Boulangère"),
        ("BOULANGÈRE", "Boulanger / Boulangère"),
        ("aide soignante", "Aide-soignant / Aide-soignante"),
        ("prof de maths", "Professeur / Professeure de mathématiques"),
        ("ingenieur informatique", "Ingénieur / Ingénieure informatique"),
    ],
)
def test_search_puts_the_obvious_title_first(rome: Rome, query: str, expected: str) -> None:
    assert first_titles(rome, query, 1) == [expected]


@pytest.mark.parametrize(
    ("typo", "expected"),
    [
        ("infirmierre", "Infirmier / Infirmière"),
        ("boulangre", "Boulanger / Boulangère"),
        ("comptabel", "Comptable"),
        ("plombeir", "Plombier / Plombière"),
    ],
)
def test_search_tolerates_typos(rome: Rome, typo: str, expected: str) -> None:
    assert any(t.startswith(expected) for t in first_titles(rome, typo, 3))


def test_search_edge_cases(rome: Rome) -> None:
    assert rome.search_appellations("", limit=5) == []
    assert rome.search_appellations("   ", limit=5) == []
    assert len(rome.search_appellations("agent", limit=7)) == 7
    assert rome.search_appellations("comptable", limit=0) == []
    hit = rome.search_appellations("comptable", limit=1)[0]
    assert rome.appellation(hit.id) == hit and hit.code == "M1203"


# --- skills, moves, transferable skills ----------------------------------------------


def test_skills_have_short_stable_ids_for_buttons(rome: Rome) -> None:
    savoir_faire, savoir_etre = rome.skills("J1506")
    assert len(savoir_faire) > 10 and len(savoir_etre) >= 2
    assert all(s.kind == "savoir_faire" for s in savoir_faire)
    assert all(s.kind == "savoir_etre" for s in savoir_etre)
    ids = [s.id for s in savoir_faire + savoir_etre]
    assert len(set(ids)) == len(ids)
    assert all(i.isdigit() and len(i) <= 6 for i in ids)
    assert all(len(f"tsk:J1506:{i}:1".encode()) <= 64 for i in ids)
    assert "Réaliser des soins infirmiers" in {s.label for s in savoir_faire}
    cores = [s.core for s in savoir_faire]
    assert any(cores) and cores == sorted(cores, reverse=True)  # core skills first
    assert rome.skill(savoir_faire[0].id).label == savoir_faire[0].label


def test_every_sheet_lists_skills(rome: Rome) -> None:
    assert all(rome.skills(s.code)[0] for s in rome.sheets())


def test_mobilities_are_ranked_sheets(rome: Rome) -> None:
    moves = rome.mobilities("J1506")
    assert [s.code for s in moves[:3]] == ["J1510", "J1502", "J1504"]
    assert "J1506" not in {s.code for s in moves}
    total = sum(len(rome.mobilities(s.code)) for s in rome.sheets())
    assert 14_000 < total < 16_000


def test_transferable_skills_are_the_ticked_ones_the_target_lists(rome: Rome) -> None:
    savoir_faire, savoir_etre = rome.skills("J1506")
    ticked = [s.id for s in savoir_faire + savoir_etre]
    carried = rome.transferable("J1506", ticked, "J1502")
    assert carried
    target_sf, target_se = rome.skills("J1502")
    target_ids = {s.id for s in target_sf + target_se}
    assert all(s.id in target_ids for s in carried)
    assert {s.id for s in carried} < set(ticked)
    one = carried[0].id
    assert [s.id for s in rome.transferable("J1506", [one], "J1502")] == [one]
    assert rome.transferable("J1506", [], "J1502") == []
    # an id J1506 does not list is ignored, even when the target lists it
    foreign = next(i for i in target_ids if i not in set(ticked))
    assert rome.transferable("J1506", [foreign], "J1502") == []


# --- pistes ------------------------------------------------------------------------


def test_pistes_keep_sheets_whose_main_letter_is_in_the_code(rome: Rome) -> None:
    page = rome.pistes("SEA", per_page=6, per_domain=3)
    assert page.code == "SEA" and page.page == 0
    assert len(page.domains) == 6 and page.pages > 1
    best = page.domains[0].sheets[0]
    assert best.score == 8 and best.sheet.riasec == "SE"
    for domain in page.domains:
        assert 1 <= len(domain.sheets) <= 3
        assert all(s.sheet.domain_code == domain.code for s in domain.sheets)
        assert all(s.sheet.riasec_main in "SEA" for s in domain.sheets)
        scores = [s.score for s in domain.sheets]
        assert scores == sorted(scores, reverse=True)
    tops = [d.sheets[0].score for d in page.domains]
    assert tops == sorted(tops, reverse=True)


def test_pistes_pagination_and_exclusion(rome: Rome) -> None:
    first = rome.pistes("ise", per_page=4)
    second = rome.pistes("ISE", page=1, per_page=4)
    assert first.code == "ISE" and second.page == 1
    assert {d.code for d in first.domains}.isdisjoint({d.code for d in second.domains})
    last = rome.pistes("ISE", page=999, per_page=4)
    assert last.page == last.pages - 1
    seen = sum(len(rome.pistes("ISE", page=p, per_page=4).domains) for p in range(first.pages))
    assert seen == first.total_domains
    shown = first.domains[0].sheets[0].sheet.code
    excluded = rome.pistes("ISE", per_page=4, exclude=[shown])
    assert shown not in {s.sheet.code for d in excluded.domains for s in d.sheets}


@pytest.mark.parametrize("bad", ["", "XYZ", "SSE", "RIAS"])
def test_pistes_refuse_a_malformed_code(rome: Rome, bad: str) -> None:
    with pytest.raises(ValueError):
        rome.pistes(bad)


# --- hand-computed, on a tiny extract ------------------------------------------------


def tiny_extract() -> dict[str, Any]:
    def sheet(title: str, main: str, minor: str, sf: list[list[int]]) -> dict[str, Any]:
        return {
            "title": title,
            "riasec": [main, minor],
            "definition": [f"{title}."],
            "access": [],
            "savoir_faire": sf,
            "savoir_etre": [9],
            "mobility": [],
            "regulated": False,
            "manager": False,
        }

    return {
        "format": 1,
        "attribution": "Source : France Travail, ROME 4.0 (version 60, 2025)",
        "licence": "Licence Ouverte",
        "rome_version": "60",
        "published": "2025-09-18",
        "grands_domaines": {"K": "Services", "M": "Support"},
        "domaines": {"K11": "Accompagnement", "K12": "Action sociale", "M16": "Secrétariat"},
        "skills": {
            "1": ["Accueillir un public", "sf"],
            "2": ["Accueillir un public.", "sf"],
            "3": ["Tenir un planning", "sf"],
            "9": ["Faire preuve d'écoute", "se"],
        },
        "sheets": {
            "K1101": sheet("Conseil", "S", "E", [[1, 1], [3, 0]]),  # 6 + 2 = 8
            "K1102": sheet("Médiation", "E", "S", [[2, 0]]),  # 4 + 3 = 7
            "K1201": sheet("Animation", "S", "", [[3, 0]]),  # 6
            "K1202": sheet("Aide", "A", "S", []),  # 2 + 3 = 5
            "M1601": sheet("Secrétariat", "C", "S", [[3, 1]]),  # main not in code: 0
            "M1602": sheet("Accueil", "A", "C", [[1, 0]]),  # 2
        },
        "appellations": [[10, "Conseiller / Conseillère", "K1101", 1]],
    }


def test_piste_scores_follow_the_documented_weights() -> None:
    tiny = Rome(tiny_extract())
    scores = {s.code: sheet_score(s, "SEA") for s in tiny.sheets()}
    assert scores == {"K1101": 8, "K1102": 7, "K1201": 6, "K1202": 5, "M1601": 0, "M1602": 2}
    page = tiny.pistes("SEA", per_domain=2)
    assert [d.code for d in page.domains] == ["K11", "K12", "M16"]
    assert [[s.sheet.code for s in d.sheets] for d in page.domains] == [
        ["K1101", "K1102"],
        ["K1201", "K1202"],
        ["M1602"],
    ]
    assert page.total_sheets == 5 and page.domains[0].matching == 2


def test_transferable_matches_a_folded_label_under_another_id() -> None:
    tiny = Rome(tiny_extract())
    carried = tiny.transferable("K1101", ["1", "3", "9"], "K1102")
    # "Accueillir un public" (1) matches "Accueillir un public." (2) by label;
    # "Tenir un planning" is not listed by K1102; the savoir-être is shared by id.
    assert [s.id for s in carried] == ["1", "9"]


def test_rebuilding_the_extract_gives_the_committed_file(tmp_path: Path) -> None:
    import importlib.util

    root = Path(__file__).resolve().parents[2]
    source = root.parent / "shared" / "data" / "rome-4.0"
    if not source.is_dir():
        pytest.skip("ROME source data not present next to the repository")
    spec = importlib.util.spec_from_file_location("build", root / "scripts/build_rome_extract.py")
    assert spec and spec.loader
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    output = tmp_path / "extract.json.gz"
    build.main(["--source", str(source), "--output", str(output)])
    assert output.read_bytes() == EXTRACT.read_bytes()
    assert json.loads(gzip.decompress(output.read_bytes()))["format"] == 1


def test_a_sheet_lists_its_work_contexts_grouped_by_kind() -> None:
    contexts = load_rome().contexts("J1506")
    assert contexts, "the nurse's sheet names where and when the work is done"
    kinds = [c.kind for c in contexts]
    assert kinds == sorted(kinds, key=lambda k: normalise(k))
    assert any("nuit" in c.label.lower() or "week" in c.label.lower() for c in contexts)
