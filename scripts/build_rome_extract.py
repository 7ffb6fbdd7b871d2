"""Build the compact ROME 4.0 extract shipped in `dialogues/rome/`.

France Travail publishes the ROME as a set of CSV files (Licence Ouverte 2.0). The bot
needs a small part of them, read fast at start-up: the job sheets with their RIASEC
letters, domains, definition and access text; the job titles (appellations) that point
to them; the skills each sheet lists; and the ranked career moves between sheets. This
script keeps exactly that, as one gzip'd JSON file, with the attribution and version.

Usage:
    python scripts/build_rome_extract.py [--source DIR] [--output FILE]

The output is deterministic (sorted keys, no timestamp in the gzip header), so
rebuilding from the same CSV files gives the same bytes and a clean git diff.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "rome-4.0"
DEFAULT_OUTPUT = ROOT / "dialogues" / "rome" / "rome_extract.json.gz"
SUFFIX = "v460_utf8.csv"
FORMAT = 1
LICENCE = "Licence Ouverte / Open Licence 2.0 (Etalab)"

# The `liens_rome_referentiels` file names the rubric of each linked item in bloc 5.
SKILLS_BLOC = "5"
CONTEXTS_BLOC = "6"
RUBRIC_SAVOIR_FAIRE = "1"
RUBRIC_SAVOIR_ETRE = "2"
# `coherence_item.coeur_metier`: how central a listed skill is to the job.
CORE_FLAGS = {"Principale": 1, "Émergente": 2}


def read(source: Path, name: str) -> list[dict[str, str]]:
    path = source / f"unix_{name}_{SUFFIX}"
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def clean(text: str) -> str:
    """Undo the doubled apostrophes of the export and normalise white space."""
    return re.sub(r"\s+", " ", text.replace("''", "'")).strip()


def read_version(source: Path) -> tuple[str, str]:
    """Return (version number, publication date as YYYY-MM-DD) from version.txt."""
    text = (source / "version.txt").read_text(encoding="utf-8")
    number = re.search(r"Numero de version\s*:\s*(\d+)", text)
    date = re.search(r"Date de publication\s*:\s*(\d{2})/(\d{2})/(\d{4})", text)
    if not number or not date:
        raise SystemExit("version.txt: version number or publication date not found")
    day, month, year = date.groups()
    return number.group(1), f"{year}-{month}-{day}"


def build(source: Path) -> dict[str, Any]:
    version, published = read_version(source)
    year = published[:4]

    grands = {
        r["code_grand_domaine"]: clean(r["libelle_grand_domaine"])
        for r in read(source, "grand_domaine")
    }
    domaines = {
        r["code_domaine_professionnel"]: clean(r["libelle_domaine_professionnel"])
        for r in read(source, "domaine_professionnel")
    }
    riasec = {
        r["code_rome"]: (r["riasec_majeur"], r["riasec_mineur"])
        for r in read(source, "referentiel_code_rome_riasec")
    }

    texts: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for r in read(source, "texte"):
        texts[(r["code_rome"], r["libelle_type_texte"])].append(
            (int(r["position_phrase"]), clean(r["libelle_texte"]))
        )

    competences = {r["code_ogr"]: r for r in read(source, "referentiel_competence")}
    core = {
        (r["code_rome"], r["code_ogr"]): CORE_FLAGS.get(r["coeur_metier"], 0)
        for r in read(source, "coherence_item")
    }

    savoir_faire: dict[str, list[list[int]]] = defaultdict(list)
    savoir_etre: dict[str, list[int]] = defaultdict(list)
    used_skills: set[str] = set()
    for r in read(source, "liens_rome_referentiels"):
        if r["code_compo_bloc"] != SKILLS_BLOC:
            continue
        code, ogr, rubric = r["code_rome"], r["code_ogr"], r["code_rubrique"]
        if rubric == RUBRIC_SAVOIR_FAIRE:
            savoir_faire[code].append([int(ogr), core.get((code, ogr), 0)])
        elif rubric == RUBRIC_SAVOIR_ETRE:
            savoir_etre[code].append(int(ogr))
        else:
            continue
        if ogr not in competences:
            raise SystemExit(f"skill {ogr} of {code} missing from the skills referential")
        used_skills.add(ogr)

    # Work contexts (hours, places, conditions): prompts for a field inquiry.
    context_rows = {r["code_ogr"]: r for r in read(source, "referentiel_contexte_travail")}
    sheet_contexts: dict[str, list[int]] = defaultdict(list)
    for r in read(source, "liens_rome_referentiels"):
        if r["code_compo_bloc"] == CONTEXTS_BLOC and r["code_ogr"] in context_rows:
            sheet_contexts[r["code_rome"]].append(int(r["code_ogr"]))
    contexts = {
        ogr: [clean(row["libelle_cont_travail"]), clean(row["libelle_type_cont_trav"])]
        for ogr, row in sorted(context_rows.items(), key=lambda item: int(item[0]))
    }

    moves: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for r in read(source, "rubrique_mobilite"):
        moves[r["code_rome"]].append((int(r["numero_ordre"]), r["code_rome_cible"]))

    sheets: dict[str, dict[str, Any]] = {}
    for r in read(source, "referentiel_code_rome"):
        code = r["code_rome"]
        main, minor = riasec.get(code, ("", ""))
        sheets[code] = {
            "title": clean(r["libelle_rome"]),
            "riasec": [main, minor],
            "definition": [t for _, t in sorted(texts[(code, "definition")])],
            "access": [t for _, t in sorted(texts[(code, "acces_metier")])],
            "savoir_faire": sorted(savoir_faire[code]),
            "savoir_etre": sorted(savoir_etre[code]),
            "mobility": [target for _, target in sorted(moves[code]) if target != code],
            "contexts": sorted(set(sheet_contexts[code])),
            "regulated": r["emploi_reglemente"] == "O",
            "manager": r["emploi_cadre"] == "O",
        }

    skills = {
        ogr: [
            clean(competences[ogr]["libelle_competence"]),
            "se" if competences[ogr]["cat_comp"].startswith("Savoir-être") else "sf",
        ]
        for ogr in sorted(used_skills, key=int)
    }

    appellations: list[tuple[int, str, str, int]] = sorted(
        (
            int(r["code_ogr"]),
            clean(r["libelle_appellation_long"]),
            r["code_rome"],
            (1 if r["classification"] == "PRINCIPALE" else 0) | (2 if r["peu_usite"] == "O" else 0),
        )
        for r in read(source, "referentiel_appellation")
    )

    unknown = {a[2] for a in appellations} - sheets.keys()
    unknown |= {t for s in sheets.values() for t in s["mobility"]} - sheets.keys()
    if unknown:
        raise SystemExit(f"references to unknown job sheets: {sorted(unknown)[:5]}")

    return {
        "format": FORMAT,
        "attribution": f"Source : France Travail, ROME 4.0 (version {version}, {year})",
        "licence": LICENCE,
        "rome_version": version,
        "published": published,
        "grands_domaines": grands,
        "domaines": domaines,
        "skills": skills,
        "contexts": contexts,
        "sheets": sheets,
        # [code_ogr, title, code_rome, flags]; flags: 1 = the sheet's main title,
        # 2 = marked "peu usité" (rarely used) by France Travail.
        "appellations": appellations,
    }


def write(extract: dict[str, Any], output: Path) -> int:
    payload = json.dumps(extract, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    data = gzip.compress(payload.encode("utf-8"), compresslevel=9, mtime=0)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    return len(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    extract = build(args.source)
    size = write(extract, args.output)
    print(
        f"{args.output}: {size / 1024:.0f} KiB, {len(extract['sheets'])} sheets, "
        f"{len(extract['appellations'])} titles, {len(extract['skills'])} skills, "
        f"{sum(len(s['mobility']) for s in extract['sheets'].values())} moves"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
