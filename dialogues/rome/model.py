"""The ROME 4.0 extract in memory: job sheets, titles, skills and career moves.

Everything here reads the extract built by `scripts/build_rome_extract.py`; nothing is
written. Skill ids are France Travail's `code_ogr` as a decimal string (at most six
digits), short enough for Telegram callback data (64 bytes).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from dialogues.rome.search import TitleIndex, normalise

if TYPE_CHECKING:
    from dialogues.rome.pistes import PistesPage

SkillKind = Literal["savoir_faire", "savoir_etre"]
_KINDS: dict[str, SkillKind] = {"sf": "savoir_faire", "se": "savoir_etre"}
_FLAG_PRINCIPAL = 1
_FLAG_RARE = 2
_CORE = 1
_EMERGING = 2


@dataclass(frozen=True, slots=True)
class Sheet:
    """One *fiche métier* (job sheet)."""

    code: str
    title: str
    riasec_main: str
    riasec_minor: str | None
    domain_code: str
    domain: str
    grand_domain_code: str
    grand_domain: str
    definition: tuple[str, ...]
    access: tuple[str, ...]
    regulated: bool
    manager: bool

    @property
    def summary(self) -> str:
        """The one-line definition: the first sentence of the sheet's definition."""
        return self.definition[0] if self.definition else ""

    @property
    def riasec(self) -> str:
        """Main then secondary letter, e.g. "SI" (one letter when there is no secondary)."""
        return self.riasec_main + (self.riasec_minor or "")


@dataclass(frozen=True, slots=True)
class Appellation:
    """A job title as people use it, pointing to its job sheet."""

    id: str
    title: str
    code: str
    principal: bool
    rare: bool


@dataclass(frozen=True, slots=True)
class Skill:
    """A skill as a job sheet lists it; `core` and `emerging` come from that sheet."""

    id: str
    label: str
    kind: SkillKind
    core: bool = False
    emerging: bool = False


@dataclass(frozen=True, slots=True)
class WorkContext:
    """A condition a job sheet names: hours, place, physical conditions, relations."""

    id: str
    label: str
    kind: str


class Rome:
    """Read-only access to the extract; build it with `dialogues.rome.load_rome()`."""

    def __init__(self, data: Mapping[str, Any]):
        self.attribution: str = data["attribution"]
        self.licence: str = data["licence"]
        self.version: str = data["rome_version"]
        self.published: str = data["published"]
        self._grands: dict[str, str] = dict(data["grands_domaines"])
        self._domaines: dict[str, str] = dict(data["domaines"])
        self._skill_rows: dict[str, list[str]] = dict(data["skills"])
        # Older extracts have no work contexts: every sheet then lists none.
        self._context_rows: dict[str, list[str]] = dict(data.get("contexts", {}))
        self._raw_sheets: dict[str, dict[str, Any]] = dict(data["sheets"])
        self._sheets = {code: self._make_sheet(code, raw) for code, raw in data["sheets"].items()}
        self._appellations = [
            Appellation(
                str(ogr), title, code, bool(flags & _FLAG_PRINCIPAL), bool(flags & _FLAG_RARE)
            )
            for ogr, title, code, flags in data["appellations"]
        ]
        self._appellations_by_id = {a.id: a for a in self._appellations}

    def _make_sheet(self, code: str, raw: Mapping[str, Any]) -> Sheet:
        main, minor = raw["riasec"]
        return Sheet(
            code=code,
            title=raw["title"],
            riasec_main=main,
            riasec_minor=minor or None,
            domain_code=code[:3],
            domain=self._domaines.get(code[:3], ""),
            grand_domain_code=code[0],
            grand_domain=self._grands.get(code[0], ""),
            definition=tuple(raw["definition"]),
            access=tuple(raw["access"]),
            regulated=bool(raw["regulated"]),
            manager=bool(raw["manager"]),
        )

    # --- sheets and titles -------------------------------------------------------

    def __contains__(self, code: object) -> bool:
        return code in self._sheets

    def sheet(self, code: str) -> Sheet:
        """The job sheet with this ROME code; KeyError if there is none."""
        return self._sheets[code]

    def sheets(self) -> Iterator[Sheet]:
        return iter(self._sheets.values())

    def domain_label(self, domain_code: str) -> str:
        return self._domaines.get(domain_code, "")

    def appellation(self, appellation_id: str) -> Appellation:
        """The title with this id (its code_ogr); KeyError if there is none."""
        return self._appellations_by_id[appellation_id]

    def appellations(self, code: str | None = None) -> list[Appellation]:
        """All titles, or those of one job sheet."""
        return [a for a in self._appellations if code is None or a.code == code]

    @cached_property
    def _index(self) -> TitleIndex:
        return TitleIndex(
            [a.title for a in self._appellations],
            [a.principal for a in self._appellations],
            [a.rare for a in self._appellations],
        )

    def search_appellations(self, query: str, limit: int = 10) -> list[Appellation]:
        """Titles matching a free-text query, best first (see `dialogues.rome.search`)."""
        return [self._appellations[i] for i in self._index.search(query, limit)]

    # --- skills ------------------------------------------------------------------

    def skill(self, skill_id: str) -> Skill:
        """A skill of the referential by id, without sheet-specific flags."""
        label, kind = self._skill_rows[skill_id]
        return Skill(skill_id, label, _KINDS[kind])

    def skills(self, code: str) -> tuple[list[Skill], list[Skill]]:
        """(savoir-faire, savoir-être) listed by a sheet; core skills first, then by label."""
        raw = self._raw_sheets[code]
        savoir_faire = []
        for ogr, flag in raw["savoir_faire"]:
            label, _ = self._skill_rows[str(ogr)]
            savoir_faire.append(
                Skill(str(ogr), label, "savoir_faire", flag == _CORE, flag == _EMERGING)
            )
        savoir_faire.sort(key=lambda s: (not s.core, normalise(s.label)))
        savoir_etre = sorted(
            (
                Skill(str(ogr), self._skill_rows[str(ogr)][0], "savoir_etre")
                for ogr in raw["savoir_etre"]
            ),
            key=lambda s: normalise(s.label),
        )
        return savoir_faire, savoir_etre

    def _skill_map(self, code: str) -> dict[str, Skill]:
        savoir_faire, savoir_etre = self.skills(code)
        return {s.id: s for s in savoir_faire + savoir_etre}

    def transferable(
        self, from_code: str, ticked_skill_ids: Iterable[str], target_code: str
    ) -> list[Skill]:
        """The ticked skills of `from_code` that the target sheet also lists.

        A skill counts when the target lists the same id, or a skill whose label is the
        same once accents, case and punctuation are folded. Ids that `from_code` does
        not list are ignored: they come from button presses, i.e. from strangers.
        Returned in the order of `skills(from_code)`.
        """
        ticked = set(ticked_skill_ids)
        target = self._skill_map(target_code)
        target_labels = {normalise(s.label) for s in target.values()}
        return [
            skill
            for skill in self._skill_map(from_code).values()
            if skill.id in ticked
            and (skill.id in target or normalise(skill.label) in target_labels)
        ]

    # --- work contexts -------------------------------------------------------------

    def contexts(self, code: str) -> list[WorkContext]:
        """The sheet's work contexts (hours, places, conditions), grouped by their kind."""
        found = []
        for ogr in self._raw_sheets[code].get("contexts", []):
            row = self._context_rows.get(str(ogr))
            if row is not None:
                found.append(WorkContext(str(ogr), row[0], row[1]))
        found.sort(key=lambda c: (normalise(c.kind), normalise(c.label)))
        return found

    # --- moves -------------------------------------------------------------------

    def mobilities(self, code: str) -> list[Sheet]:
        """The sheets that people in `code` move to, in France Travail's ranked order."""
        return [self._sheets[target] for target in self._raw_sheets[code]["mobility"]]

    # --- pistes ------------------------------------------------------------------

    def pistes(
        self,
        holland_code: str,
        *,
        page: int = 0,
        per_page: int = 5,
        per_domain: int = 3,
        exclude: Iterable[str] = (),
    ) -> PistesPage:
        """Job sheets to explore for a Holland code, grouped by domain and paginated.

        The ranking is documented in `dialogues.rome.pistes`. `page` is 0-based and
        clamped to the pages that exist; `exclude` drops sheets (e.g. the current job).
        """
        from dialogues.rome.pistes import rank_pistes

        return rank_pistes(
            self._sheets.values(),
            holland_code,
            self.domain_label,
            page=page,
            per_page=per_page,
            per_domain=per_domain,
            exclude=exclude,
        )
