"""Typo-tolerant search of ROME job titles (appellations).

People type their job the way they say it: without accents, in the feminine, shortened
("dev web"), with a slip of the finger ("infirmierre"). Titles and queries are folded
to lower-case ASCII words (unidecode), and each query word is matched against the
vocabulary of title words in three ways, best first:

* the same word (score 1.0);
* the start of a longer word, from two letters on: "dev" → "developpeur" (0.8 to 0.95,
  more when the prefix covers more of the word); a final "s" is also tried without it;
* a close spelling, by rapidfuzz's edit-distance ratio, from four letters on (at most
  0.85 × the ratio, so an exact or prefix match always wins).

A title's coverage is the mean, over query words, of its best word score. Titles are
ranked by coverage, then by how close the whole title, in its masculine or feminine
form, is to the query (rapidfuzz ratio, 0-100: "Comptable" comes before "Assistant
comptable"), raised by `PRINCIPAL_BONUS` for
the sheet's main title (the generic name of the job) and lowered by `RARE_PENALTY` for
titles France Travail marks as rarely used. Small words (de, la, d', en…) are
ignored unless the query has nothing else.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from unidecode import unidecode

STOPWORDS = frozenset(
    {"a", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les"}
    | {"par", "pour", "sur", "un", "une", "of", "the", "and", "in"}
)
PREFIX_MIN = 2
FUZZY_MIN = 4
FUZZY_CUTOFF = 75.0
FUZZY_WEIGHT = 0.85
FALLBACK_CUTOFF = 60.0
PRINCIPAL_BONUS = 10.0
RARE_PENALTY = 15.0


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def _clean(folded: str) -> str:
    return " ".join(_NOT_ALNUM.sub(" ", folded).split())


def _meaningful(normalised: str) -> list[str]:
    every = normalised.split()
    kept = [w for w in every if w not in STOPWORDS]
    return kept or every


def normalise(text: str) -> str:
    """Fold to lower-case ASCII words separated by single spaces."""
    return _clean(unidecode(text).lower())


def words(text: str) -> list[str]:
    """The meaningful words of a text; all of them if every one is a small word."""
    return _meaningful(normalise(text))


def gendered_forms(title: str) -> tuple[str, ...]:
    """The masculine and feminine titles in ROME's "Chef / Cheffe de projet" style.

    The right-hand side is the whole feminine title; the masculine one is the left-hand
    side followed by what the feminine title adds after as many words: "chef de projet".
    Each form is reduced to its meaningful words, the way queries are.
    """
    return _forms(unidecode(title).lower())


def _forms(folded: str) -> tuple[str, ...]:
    if " / " not in folded:
        return (" ".join(_meaningful(_clean(folded))),)
    left, right = folded.split(" / ", 1)
    left_words, right_words = _clean(left).split(), _clean(right).split()
    masculine = " ".join(left_words + right_words[len(left_words) :])
    return (" ".join(_meaningful(masculine)), " ".join(_meaningful(" ".join(right_words))))


@dataclass(frozen=True, slots=True)
class _Entry:
    normalised: str
    forms: tuple[str, ...]
    principal: bool
    rare: bool


class TitleIndex:
    """An inverted index over titles; `search` returns their positions, best first."""

    def __init__(self, titles: Sequence[str], principal: Sequence[bool], rare: Sequence[bool]):
        folded = [unidecode(t).lower() for t in titles]
        self._entries = [
            _Entry(_clean(f), _forms(f), p, r)
            for f, p, r in zip(folded, principal, rare, strict=True)
        ]
        postings: dict[str, list[int]] = defaultdict(list)
        for position, entry in enumerate(self._entries):
            for word in set(_meaningful(entry.normalised)):
                postings[word].append(position)
        self._postings = dict(postings)
        self._vocabulary = sorted(self._postings)

    def _word_matches(self, query_word: str) -> dict[str, float]:
        matches: dict[str, float] = {}
        forms = [query_word]
        if query_word.endswith("s") and len(query_word) > FUZZY_MIN:
            forms.append(query_word[:-1])  # "maths" -> "math" -> "mathematiques"
        for form in forms:
            if form in self._postings:
                matches[form] = 1.0
            if len(form) < PREFIX_MIN:
                continue
            start = bisect_left(self._vocabulary, form)
            for word in self._vocabulary[start:]:
                if not word.startswith(form):
                    break
                if word != form:
                    score = 0.8 + 0.15 * len(form) / len(word)
                    matches[word] = max(matches.get(word, 0.0), score)
        if len(query_word) >= FUZZY_MIN:
            for word, ratio, _ in process.extract(
                query_word,
                self._vocabulary,
                scorer=fuzz.ratio,
                score_cutoff=FUZZY_CUTOFF,
                limit=None,
            ):
                matches[word] = max(matches.get(word, 0.0), FUZZY_WEIGHT * ratio / 100)
        return matches

    def search(self, query: str, limit: int = 10) -> list[int]:
        """Positions of the titles that best match `query`, best first."""
        query_words = words(query)
        if not query_words or limit <= 0:
            return []
        best: dict[int, list[float]] = {}
        for i, query_word in enumerate(query_words):
            for word, score in self._word_matches(query_word).items():
                for position in self._postings[word]:
                    slots = best.setdefault(position, [0.0] * len(query_words))
                    if score > slots[i]:
                        slots[i] = score
        normalised_query = " ".join(query_words)
        if not best:
            return self._fallback(normalised_query, limit)

        def rank(position: int) -> tuple[float, float, int]:
            entry = self._entries[position]
            coverage = round(sum(best[position]) / len(query_words), 3)
            closeness = max(fuzz.ratio(normalised_query, form) for form in entry.forms)
            closeness += PRINCIPAL_BONUS * entry.principal - RARE_PENALTY * entry.rare
            return (-coverage, -closeness, position)

        return sorted(best, key=rank)[:limit]

    def _fallback(self, normalised_query: str, limit: int) -> list[int]:
        """Whole-string fuzzy match, for queries whose words match no title word."""
        hits = process.extract(
            normalised_query,
            [e.normalised for e in self._entries],
            scorer=fuzz.WRatio,
            score_cutoff=FALLBACK_CUTOFF,
            limit=limit,
        )
        return [position for _, _, position in hits]
