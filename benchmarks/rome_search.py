"""Measure the ROME extract: size on disk, load time, search-index build, search time.

    python benchmarks/rome_search.py

Load and index times are measured in fresh interpreters (the extract is cached per
process), the search time as the median over 100 queries: 40 written the way people
type their job, and 60 made from real titles with a letter dropped and no accents.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from unidecode import unidecode  # noqa: E402

from dialogues.rome import EXTRACT_NAME, load_rome  # noqa: E402

TYPED = [
    "infirmiere",
    "dev web",
    "comptable",
    "boulangere",
    "aide soignante",
    "secretaire medicale",
    "chauffeur poids lourd",
    "prof de maths",
    "plombier",
    "electricien batiment",
    "caissiere",
    "vendeuse",
    "cuisinier",
    "serveuse",
    "coiffeuse",
    "assistante maternelle",
    "maçon",
    "agent d entretien",
    "mecanicien auto",
    "ingenieur informatique",
    "chef de projet",
    "conseillere en insertion",
    "assistante de direction",
    "auxiliaire de vie",
    "magasinier",
    "cariste",
    "educateur specialise",
    "jardinier paysagiste",
    "infographiste",
    "juriste",
    "pharmacien",
    "kine",
    "aide a domicile",
    "agent immobilier",
    "community manager",
    "data analyst",
    "technicien de maintenance",
    "preparateur de commandes",
    "ambulancier",
    "psychologue du travail",
]


def typo_queries(count: int, seed: int = 60) -> list[str]:
    """Real titles, first words only, accents stripped and one letter dropped."""
    titles = [a.title for a in load_rome().appellations()]
    rng = random.Random(seed)
    queries = []
    for title in rng.sample(titles, count):
        words = unidecode(title.split(" / ")[0]).lower().split()[:2]
        word = max(words, key=len)
        if len(word) > 4:
            cut = rng.randrange(1, len(word) - 1)
            words[words.index(word)] = word[:cut] + word[cut + 1 :]
        queries.append(" ".join(words))
    return queries


def fresh(statement: str) -> float:
    """Seconds taken by `statement` in a new interpreter, after importing the package."""
    code = (
        "import time, dialogues.rome as r; t = time.perf_counter(); "
        f"{statement}; print(time.perf_counter() - t)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return float(out.stdout)


def main() -> None:
    size = (ROOT / "dialogues" / "rome" / EXTRACT_NAME).stat().st_size
    loads = [fresh("r.load_rome()") for _ in range(3)]
    first_search = [fresh("r.load_rome().search_appellations('x')") for _ in range(3)]
    rome = load_rome()
    rome.search_appellations("warm-up")
    queries = TYPED + typo_queries(100 - len(TYPED))
    times = []
    for query in queries:
        start = time.perf_counter()
        rome.search_appellations(query, limit=10)
        times.append(time.perf_counter() - start)
    print(f"extract size:              {size / 1024:.0f} KiB")
    print(f"load (median of 3):        {statistics.median(loads) * 1000:.0f} ms")
    print(f"load + index (median of 3): {statistics.median(first_search) * 1000:.0f} ms")
    print(
        f"search, {len(queries)} queries:      median {statistics.median(times) * 1000:.2f} ms,"
        f" max {max(times) * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()
