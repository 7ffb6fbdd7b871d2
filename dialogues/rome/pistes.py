"""Job sheets to explore (*pistes*) from a Holland code.

Every ROME job sheet carries a main and (often) a secondary RIASEC letter. A sheet
scores by where its letters stand in the person's code, the main letter weighing twice
the secondary one:

    position in the code        1st  2nd  3rd
    sheet's main letter there     6    4    2
    sheet's secondary there       3    2    1

so for the code SEA a sheet S/E scores 8, E/S 7, S/A 7, S alone 6, A/S 5. Only sheets
whose main letter is in the code are kept: a sheet matched by its secondary letter alone
fits the person's interests too loosely to be suggested.

Sheets are then grouped by professional domain (the first three characters of the
code, e.g. "J15" Soins infirmiers…), because a person explores a field before a job.
Domains are ordered by their best sheet's score, then by the total score of the sheets
shown, then by code; each shows its `per_domain` best sheets (by score, then code), and
the list of domains is paginated.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from dialogues.rome.model import Sheet

MAIN_WEIGHTS = (6, 4, 2)
MINOR_WEIGHTS = (3, 2, 1)
RIASEC = "RIASEC"


@dataclass(frozen=True, slots=True)
class ScoredSheet:
    sheet: Sheet
    score: int


@dataclass(frozen=True, slots=True)
class DomainPistes:
    """The best sheets of one professional domain."""

    code: str
    label: str
    grand_domain: str
    sheets: list[ScoredSheet]
    matching: int  # how many sheets of the domain matched, shown or not


@dataclass(frozen=True, slots=True)
class PistesPage:
    code: str
    page: int
    pages: int
    total_domains: int
    total_sheets: int
    domains: list[DomainPistes]


def normalise_code(holland_code: str) -> str:
    """Upper-case, validated Holland code of 1 to 3 distinct RIASEC letters."""
    code = holland_code.strip().upper()
    if not 1 <= len(code) <= 3 or any(c not in RIASEC for c in code) or len(set(code)) < len(code):
        raise ValueError("a Holland code is 1 to 3 distinct letters among R I A S E C")
    return code


def sheet_score(sheet: Sheet, code: str) -> int:
    """The weight of a sheet for a normalised code; 0 when its main letter is not in it."""
    if sheet.riasec_main not in code:
        return 0
    score = MAIN_WEIGHTS[code.index(sheet.riasec_main)]
    minor = sheet.riasec_minor
    if minor and minor != sheet.riasec_main and minor in code:
        score += MINOR_WEIGHTS[code.index(minor)]
    return score


def rank_pistes(
    sheets: Iterable[Sheet],
    holland_code: str,
    domain_label: Callable[[str], str],
    *,
    page: int = 0,
    per_page: int = 5,
    per_domain: int = 3,
    exclude: Iterable[str] = (),
) -> PistesPage:
    code = normalise_code(holland_code)
    if per_page < 1 or per_domain < 1:
        raise ValueError("per_page and per_domain must be at least 1")
    excluded = set(exclude)
    by_domain: dict[str, list[ScoredSheet]] = defaultdict(list)
    for sheet in sheets:
        score = sheet_score(sheet, code)
        if score and sheet.code not in excluded:
            by_domain[sheet.domain_code].append(ScoredSheet(sheet, score))
    domains = []
    for domain_code, scored in by_domain.items():
        scored.sort(key=lambda s: (-s.score, s.sheet.code))
        shown = scored[:per_domain]
        domains.append(
            DomainPistes(
                code=domain_code,
                label=domain_label(domain_code),
                grand_domain=shown[0].sheet.grand_domain,
                sheets=shown,
                matching=len(scored),
            )
        )
    domains.sort(key=lambda d: (-d.sheets[0].score, -sum(s.score for s in d.sheets), d.code))
    pages = max(1, -(-len(domains) // per_page))
    page = min(max(page, 0), pages - 1)
    return PistesPage(
        code=code,
        page=page,
        pages=pages,
        total_domains=len(domains),
        total_sheets=sum(d.matching for d in domains),
        domains=domains[page * per_page : (page + 1) * per_page],
    )
