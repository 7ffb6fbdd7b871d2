"""Instruments: the questionnaires the bot asks, read from TOML data files.

Content is data: the wording lives in ``dialogues/instruments/<key>.toml`` and
this module turns one file into frozen dataclasses. It refuses, at load time,
anything the engine could later misread — an unknown field (a typo such as
``optinal``), a missing language, a ``show_if`` pointing at a later question or
at a choice that does not exist — because a content mistake found by a
beneficiary in the middle of their dossier is much more expensive than one
found by the test suite. Every :class:`InstrumentError` names the file, the
question (or section) and the problem, and never contains answers.

Extensions to the shared TOML format, all optional:

- ``compatible_versions = [1, 2]`` (top level): older versions whose stored
  answers keep exactly the same meaning under this version (same answer ids,
  same choice keys, same scales). See :meth:`Instrument.accepts_version`.
- ``third_person_title`` (top level): the instrument named for someone other than the
  person who answers it — the counsellor's card, notices and digest read
  "Dossier d'auto-bilan", not the beneficiary's "Votre dossier d'auto-bilan".
  Every instrument shipped here has one (a test says so).
- ``third_person_title`` on a section: the same for one part — the counsellor reads
  "Réussites" where the beneficiary reads "Vos réussites". Every section shipped here
  has one (a test says so).
- ``intro`` on a section: a sentence shown before its first question.
- ``show_if`` on a section: the whole section is shown only when the condition
  holds (it may only depend on a question of an earlier, non-repeatable
  section).
- ``points`` on a scale question (2–11), overriding the instrument-wide
  ``scale.points``.
- ``dimension`` on a choice, for forced-choice items scored per choice.

French texts get no-break spaces before ``? ! ; :`` at load time (see
:mod:`dialogues.typography`), so authors type ordinary spaces.

``show_if`` inside a repeatable section may depend on a question of the same
section (it then reads the answer of the same occurrence) or of an earlier,
non-repeatable section — never of another repeatable section, which has several
answers. Conditions on a ``single_choice`` or ``multi_choice`` question may use
the pseudo-key ``"other"`` when that question offers "Autre : précisez".
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from dataclasses import fields as dataclass_fields
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Literal, NoReturn, cast

from dialogues.languages import codes, for_locale, language, pick

__all__ = [
    "DEFAULT_DIRECTORY",
    "KINDS",
    "OTHER",
    "Choice",
    "Condition",
    "Instrument",
    "InstrumentError",
    "LocalizedText",
    "Question",
    "QuestionType",
    "Repeat",
    "Scale",
    "Section",
    "answers_compatible",
    "load_all",
    "load_instrument",
]

DEFAULT_DIRECTORY = Path(__file__).with_name("instruments")
KINDS = frozenset({"questionnaire", "riasec", "values", "followup"})
RIASEC_LETTERS = frozenset("RIASEC")
OTHER = "other"
"""Pseudo choice key of the "Autre : précisez" answer."""
RESERVED_CHOICE_KEYS = frozenset({OTHER, "skip", "unknown"})
"""Words the bot also uses as button payloads, so no choice may be called so."""

ConditionValue = str | bool | int

_KEY = re.compile(r"[a-z0-9_]{1,32}")
_CHOICE_KEY = re.compile(r"[a-z0-9_]{1,16}")
_DIMENSION = re.compile(r"[A-Za-z0-9_]{1,32}")


def _listed(words: tuple[str, ...]) -> str:
    """ "fr and en", "fr, en and de": the languages named in a content error."""
    return " and ".join(filter(None, (", ".join(words[:-1]), words[-1])))


class InstrumentError(ValueError):
    """A content file is malformed; the message says where and what."""


class QuestionType(StrEnum):
    TEXT = "text"
    SINGLE_CHOICE = "single_choice"
    MULTI_CHOICE = "multi_choice"
    SCALE = "scale"
    NUMBER = "number"
    MONTH_YEAR = "month_year"
    DATE = "date"
    YES_NO = "yes_no"


@dataclass(frozen=True)
class LocalizedText:
    """One text in each language of :mod:`dialogues.languages`; the field names are the codes."""

    fr: str
    en: str

    def by_code(self) -> dict[str, str]:
        return {field.name: getattr(self, field.name) for field in dataclass_fields(self)}

    @property
    def variants(self) -> tuple[str, ...]:
        """The text in every language, for reading what someone typed in any of them."""
        return tuple(self.by_code().values())

    def get(self, locale: str | None) -> str:
        """The text for ``locale`` (see :func:`dialogues.languages.for_locale`)."""
        return pick(self.by_code(), for_locale(locale), "a text of an instrument")


@dataclass(frozen=True)
class Choice:
    key: str
    label: LocalizedText
    dimension: str | None = None


@dataclass(frozen=True)
class Condition:
    """``show_if``: the target question's answer must match one of ``values``.

    ``equals`` and ``in`` compare a single_choice / yes_no / scale answer;
    ``contains`` and ``in`` on a multi_choice hold when any listed key is ticked.
    """

    question: str
    op: Literal["equals", "in", "contains"]
    values: tuple[ConditionValue, ...]


@dataclass(frozen=True)
class Scale:
    points: int
    low: LocalizedText
    high: LocalizedText


@dataclass(frozen=True)
class Question:
    key: str
    type: QuestionType
    text: LocalizedText
    help: LocalizedText | None = None
    optional: bool = False
    allow_unknown: bool = False
    show_if: Condition | None = None
    choices: tuple[Choice, ...] = ()
    other: bool = False
    min_length: int = 1
    max_length: int = 2000
    min: int | float | None = None
    max: int | float | None = None
    unit: LocalizedText | None = None
    points: int = 0
    """Scale only: number of points, already resolved from the instrument scale."""
    low: LocalizedText | None = None
    high: LocalizedText | None = None
    dimension: str | None = None
    year: bool = False
    """Number only: a calendar year, never one still to come."""
    past: bool = False
    """Month or date only: a moment that has already happened."""
    approximate: bool = False
    """Month only: a year alone ("2015", "vers 2015", "l'été 2015") is enough."""

    def choice(self, key: str) -> Choice | None:
        return next((c for c in self.choices if c.key == key), None)


@dataclass(frozen=True)
class Repeat:
    max: int
    add_prompt: LocalizedText
    item: LocalizedText | None = None
    """What one occurrence is ("diplôme", "expérience"), to name it: "… · diplôme 2"."""


@dataclass(frozen=True)
class Section:
    key: str
    title: LocalizedText
    questions: tuple[Question, ...]
    intro: LocalizedText | None = None
    repeat: Repeat | None = None
    show_if: Condition | None = None
    third_person_title: LocalizedText | None = None

    def title_about(self, locale: str | None) -> str:
        """The title a counsellor reads: about the person, not addressed to them."""
        return (self.third_person_title or self.title).get(locale)

    def heading(self, occurrence: int | None, locale: str | None, *, about: bool = False) -> str:
        """The title, with the occurrence named: "Vos diplômes et certifications · diplôme 2"
        rather than a bare number after a plural title; ``about`` for the counsellor's
        reading ("Diplômes et certifications · diplôme 2")."""
        title = self.title_about(locale) if about else self.title.get(locale)
        if occurrence is None:
            return title
        item = self.repeat.item if self.repeat is not None else None
        return f"{title} · {item.get(locale)} {occurrence}" if item else f"{title} {occurrence}"


@dataclass(frozen=True)
class Instrument:
    key: str
    version: int
    kind: str
    estimated_minutes: int
    title: LocalizedText
    source: LocalizedText
    sections: tuple[Section, ...]
    intro: LocalizedText | None = None
    scale: Scale | None = None
    compatible_versions: tuple[int, ...] = ()
    third_person_title: LocalizedText | None = None

    def title_about(self, locale: str | None) -> str:
        """The title a counsellor reads: about the person, not addressed to them."""
        return (self.third_person_title or self.title).get(locale)

    def questions(self) -> Iterator[tuple[Section, Question]]:
        for section in self.sections:
            for question in section.questions:
                yield section, question

    @functools.cached_property
    def _by_key(self) -> Mapping[str, tuple[Section, Question]]:
        return {q.key: (s, q) for s, q in self.questions()}

    def question(self, key: str) -> Question:
        return self._by_key[key][1]

    def section_of(self, question_key: str) -> Section:
        return self._by_key[question_key][0]

    def accepts_version(self, stored_version: int) -> bool:
        """Whether answers stored under ``stored_version`` can be read by this version.

        A new version never silently reinterprets old answers: unless the
        content author listed the old version in ``compatible_versions`` (a
        promise that ids, choice keys and scales kept their meaning), the bot
        must keep the old run as it is and start a new one.
        """
        return stored_version == self.version or stored_version in self.compatible_versions


def answers_compatible(instrument: Instrument, stored_version: int) -> bool:
    """Function form of :meth:`Instrument.accepts_version`."""
    return instrument.accepts_version(stored_version)


# --------------------------------------------------------------------------- loading


def load_instrument(path: str | Path) -> Instrument:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InstrumentError(f"{path.name}: not valid TOML ({exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InstrumentError(f"{path.name}: cannot be read ({type(exc).__name__})") from None
    instrument = _Parser(path.name).instrument(data)
    if instrument.key != path.stem:
        raise InstrumentError(
            f"{path.name}: key '{instrument.key}' must match the file name '{path.stem}'"
        )
    return instrument


def load_all(directory: str | Path | None = None) -> Mapping[str, Instrument]:
    """Every ``*.toml`` instrument of ``directory`` by key, loaded once and cached."""
    if not directory:
        return _shipped()
    return _load_directory(Path(directory).resolve())


@functools.cache
def _shipped() -> Mapping[str, Instrument]:
    """The shipped instruments: the bot asks for them several times per update, and
    resolving their folder's path each time asks the file system."""
    return _load_directory(DEFAULT_DIRECTORY.resolve())


@functools.cache
def _load_directory(directory: Path) -> Mapping[str, Instrument]:
    instruments = {}
    for path in sorted(directory.glob("*.toml")):
        instrument = load_instrument(path)
        instruments[instrument.key] = instrument
    return MappingProxyType(instruments)


_TYPE_FIELDS: dict[QuestionType, frozenset[str]] = {
    QuestionType.TEXT: frozenset({"min_length", "max_length"}),
    QuestionType.SINGLE_CHOICE: frozenset({"choices", "other"}),
    QuestionType.MULTI_CHOICE: frozenset({"choices", "other"}),
    QuestionType.SCALE: frozenset({"points", "low", "high"}),
    QuestionType.NUMBER: frozenset({"min", "max", "unit", "year"}),
    QuestionType.MONTH_YEAR: frozenset({"past", "approximate"}),
    QuestionType.DATE: frozenset({"past"}),
    QuestionType.YES_NO: frozenset(),
}
_QUESTION_FIELDS = frozenset(
    {"key", "type", "text", "help", "optional", "allow_unknown", "show_if", "dimension"}
)


class _Parser:
    """Turns the TOML tree into dataclasses, failing with a located message."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.where = ""
        self.kind = ""
        self.scale: Scale | None = None
        self.all_keys: set[str] = set()
        # questions seen so far, with the section that holds them
        self.earlier: dict[str, tuple[Question, Section | None]] = {}

    def fail(self, problem: str) -> NoReturn:
        where = f"{self.where}: " if self.where else ""
        raise InstrumentError(f"{self.file}: {where}{problem}")

    # ---- generic fields

    def fields(
        self, table: object, allowed: frozenset[str], required: set[str]
    ) -> dict[str, object]:
        if not isinstance(table, dict):
            self.fail("expected a table")
        unknown = sorted(set(table) - allowed)
        if unknown:
            self.fail(f"unknown field(s) {', '.join(unknown)}")
        missing = sorted(required - set(table))
        if missing:
            self.fail(f"missing field(s) {', '.join(missing)}")
        return table

    def key(self, value: object, name: str, pattern: re.Pattern[str] = _KEY) -> str:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            self.fail(f"'{name}' must match {pattern.pattern}")
        return value

    def integer(self, value: object, name: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(f"'{name}' must be an integer from {low} to {high}")
        return value

    def number(self, value: object, name: str) -> int | float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(f"'{name}' must be a number")
        return value

    def flag(self, value: object, name: str) -> bool:
        if not isinstance(value, bool):
            self.fail(f"'{name}' must be true or false")
        return value

    def text(self, value: object, name: str) -> LocalizedText:
        if not isinstance(value, dict) or set(value) != set(codes()):
            self.fail(f"'{name}' must be a table with exactly the languages {_listed(codes())}")
        texts: dict[str, str] = {}
        for code in codes():
            text = value[code]
            if not isinstance(text, str) or not text.strip():
                self.fail(f"'{name}' has an empty or missing '{code}' text")
            texts[code] = language(code).typeset(text.strip())
        return LocalizedText(**texts)

    def optional_text(self, table: Mapping[str, object], name: str) -> LocalizedText | None:
        return self.text(table[name], name) if name in table else None

    # ---- structure

    def instrument(self, data: dict[str, object]) -> Instrument:
        top = self.fields(
            data,
            frozenset(
                {
                    "key",
                    "version",
                    "kind",
                    "estimated_minutes",
                    "title",
                    "third_person_title",
                    "intro",
                    "source",
                    "scale",
                    "compatible_versions",
                    "sections",
                }
            ),
            {"key", "version", "kind", "estimated_minutes", "title", "source", "sections"},
        )
        key = self.key(top["key"], "key")
        version = self.integer(top["version"], "version", 1, 10_000)
        self.kind = str(top["kind"])
        if self.kind not in KINDS:
            self.fail(f"'kind' must be one of {', '.join(sorted(KINDS))}")
        compatible = top.get("compatible_versions", [])
        if not isinstance(compatible, list):
            self.fail("'compatible_versions' must be a list of earlier versions")
        older = tuple(self.integer(v, "compatible_versions", 1, version - 1) for v in compatible)
        if "scale" in top:
            self.scale = self.scale_table(top["scale"])
        sections = top["sections"]
        if not isinstance(sections, list) or not sections:
            self.fail("'sections' must be a non-empty list of tables")
        self.all_keys = {
            q["key"]
            for s in sections
            if isinstance(s, dict)
            for q in s.get("questions", [])
            if isinstance(q, dict) and isinstance(q.get("key"), str)
        }
        parsed: list[Section] = []
        for raw in sections:
            parsed.append(self.section(raw, parsed))
        return Instrument(
            key=key,
            version=version,
            kind=self.kind,
            estimated_minutes=self.integer(top["estimated_minutes"], "estimated_minutes", 1, 600),
            title=self.text(top["title"], "title"),
            intro=self.optional_text(top, "intro"),
            source=self.text(top["source"], "source"),
            sections=tuple(parsed),
            scale=self.scale,
            compatible_versions=older,
            third_person_title=self.optional_text(top, "third_person_title"),
        )

    def scale_table(self, raw: object) -> Scale:
        table = self.fields(raw, frozenset({"points", "low", "high"}), {"points", "low", "high"})
        return Scale(
            points=self.integer(table["points"], "scale.points", 2, 11),
            low=self.text(table["low"], "scale.low"),
            high=self.text(table["high"], "scale.high"),
        )

    def section(self, raw: object, before: list[Section]) -> Section:
        self.where = "a section"
        table = self.fields(
            raw,
            frozenset(
                {"key", "title", "third_person_title", "intro", "repeat", "show_if", "questions"}
            ),
            {"key", "title", "questions"},
        )
        key = self.key(table["key"], "key")
        self.where = f"section '{key}'"
        if any(s.key == key for s in before):
            self.fail("duplicate section key")
        repeat = None
        if "repeat" in table:
            rep = self.fields(
                table["repeat"], frozenset({"max", "add_prompt", "item"}), {"max", "add_prompt"}
            )
            repeat = Repeat(
                max=self.integer(rep["max"], "repeat.max", 2, 20),
                add_prompt=self.text(rep["add_prompt"], "repeat.add_prompt"),
                item=self.text(rep["item"], "repeat.item") if "item" in rep else None,
            )
        show_if = None
        if "show_if" in table:
            show_if = self.condition(table["show_if"], current=None)
        questions_raw = table["questions"]
        if not isinstance(questions_raw, list) or not questions_raw:
            self.fail("'questions' must be a non-empty list of tables")
        title = self.text(table["title"], "title")
        third_person_title = self.optional_text(table, "third_person_title")
        intro = self.optional_text(table, "intro")
        shell = Section(
            key=key, title=title, questions=(), intro=intro, repeat=repeat, show_if=show_if
        )
        questions: list[Question] = []
        for raw_question in questions_raw:
            question = self.question(raw_question, shell)
            questions.append(question)
            self.earlier[question.key] = (question, shell)
        self.where = ""
        return Section(
            key=key,
            title=title,
            questions=tuple(questions),
            intro=intro,
            repeat=repeat,
            show_if=show_if,
            third_person_title=third_person_title,
        )

    def question(self, raw: object, section: Section) -> Question:
        self.where = f"section '{section.key}', a question"
        if not isinstance(raw, dict):
            self.fail("expected a table")
        key = self.key(raw.get("key"), "key")
        self.where = f"question '{key}'"
        if key in self.earlier:
            self.fail("duplicate question key")
        try:
            qtype = QuestionType(str(raw.get("type")))
        except ValueError:
            self.fail(f"'type' must be one of {', '.join(t.value for t in QuestionType)}")
        table = self.fields(raw, _QUESTION_FIELDS | _TYPE_FIELDS[qtype], {"key", "type", "text"})
        dimension = table.get("dimension")
        if dimension is not None:
            dimension = self.dimension(dimension)
        show_if = self.condition(table["show_if"], current=section) if "show_if" in table else None
        question = Question(
            key=key,
            type=qtype,
            text=self.text(table["text"], "text"),
            help=self.optional_text(table, "help"),
            optional=self.flag(table.get("optional", False), "optional"),
            allow_unknown=self.flag(table.get("allow_unknown", False), "allow_unknown"),
            show_if=show_if,
            dimension=dimension,
        )
        if qtype in (QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE):
            return replace(
                question,
                choices=self.choices(table.get("choices")),
                other=self.flag(table.get("other", False), "other"),
            )
        if qtype is QuestionType.TEXT:
            low = self.integer(table.get("min_length", 1), "min_length", 1, 4000)
            high = self.integer(table.get("max_length", 2000), "max_length", 1, 4000)
            if low > high:
                self.fail("'min_length' is greater than 'max_length'")
            return replace(question, min_length=low, max_length=high)
        if qtype is QuestionType.NUMBER:
            lo = self.number(table["min"], "min") if "min" in table else None
            hi = self.number(table["max"], "max") if "max" in table else None
            if lo is not None and hi is not None and lo > hi:
                self.fail("'min' is greater than 'max'")
            return replace(
                question,
                min=lo,
                max=hi,
                unit=self.optional_text(table, "unit"),
                year=self.flag(table.get("year", False), "year"),
            )
        if qtype in (QuestionType.MONTH_YEAR, QuestionType.DATE):
            return replace(
                question,
                past=self.flag(table.get("past", False), "past"),
                approximate=self.flag(table.get("approximate", False), "approximate"),
            )
        if qtype is QuestionType.SCALE:
            points, low_label, high_label = self.scale_fields(table)
            return replace(question, points=points, low=low_label, high=high_label)
        return question

    def dimension(self, value: object) -> str:
        if not isinstance(value, str) or not _DIMENSION.fullmatch(value):
            self.fail(f"'dimension' must match {_DIMENSION.pattern}")
        if self.kind == "riasec" and value not in RIASEC_LETTERS:
            self.fail("'dimension' must be one of R, I, A, S, E, C")
        return value

    def scale_fields(self, table: Mapping[str, object]) -> tuple[int, LocalizedText, LocalizedText]:
        default = self.scale
        if "points" in table:
            points = self.integer(table["points"], "points", 2, 11)
        elif default is not None:
            points = default.points
        else:
            self.fail("a scale needs 'points' (here or in the instrument-wide 'scale')")
        low = self.optional_text(table, "low") or (default.low if default else None)
        high = self.optional_text(table, "high") or (default.high if default else None)
        if low is None or high is None:
            self.fail(
                "a scale needs 'low' and 'high' labels (here or in the instrument-wide 'scale')"
            )
        return points, low, high

    def choices(self, raw: object) -> tuple[Choice, ...]:
        if not isinstance(raw, list) or len(raw) < 2:
            self.fail("'choices' must list at least two choices")
        choices: list[Choice] = []
        for item in raw:
            table = self.fields(item, frozenset({"key", "dimension", *codes()}), {"key", *codes()})
            key = self.key(table["key"], "choice key", _CHOICE_KEY)
            if key in RESERVED_CHOICE_KEYS:
                self.fail(f"choice key '{key}' is reserved")
            if any(c.key == key for c in choices):
                self.fail(f"duplicate choice key '{key}'")
            label = self.text({code: table[code] for code in codes()}, f"choice '{key}'")
            dimension = self.dimension(table["dimension"]) if "dimension" in table else None
            choices.append(Choice(key=key, label=label, dimension=dimension))
        return tuple(choices)

    def condition(self, raw: object, current: Section | None) -> Condition:
        ops = frozenset({"equals", "in", "contains"})
        table = self.fields(raw, frozenset({"question"}) | ops, {"question"})
        used = sorted(set(table) & ops)
        if len(used) != 1:
            self.fail("show_if needs exactly one of 'equals', 'in' or 'contains'")
        op = cast(Literal["equals", "in", "contains"], used[0])
        target_key = table["question"]
        if not isinstance(target_key, str) or target_key not in self.earlier:
            problem = "comes later" if target_key in self.all_keys else "does not exist"
            self.fail(
                f"show_if refers to question '{target_key}', which {problem}"
                " (it must be an earlier question)"
            )
        target, holder = self.earlier[target_key]
        if holder is not None and holder.repeat is not None and holder is not current:
            self.fail(
                f"show_if refers to question '{target_key}' of the repeatable section "
                f"'{holder.key}', which has several answers"
            )
        raw_values = table[op]
        if op == "in":
            if not isinstance(raw_values, list) or not raw_values:
                self.fail("show_if 'in' needs a non-empty list")
            values = tuple(raw_values)
        else:
            values = (raw_values,)
        self.check_condition_values(target, op, values)
        return Condition(question=target_key, op=op, values=values)

    def check_condition_values(self, target: Question, op: str, values: tuple[object, ...]) -> None:
        kind = target.type
        if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE):
            if (kind is QuestionType.SINGLE_CHOICE) == (op == "contains"):
                self.fail(f"show_if cannot use '{op}' on a {kind.value} question")
            keys = {c.key for c in target.choices} | ({OTHER} if target.other else set())
            for value in values:
                if value not in keys:
                    self.fail(f"show_if value {value!r} is not a choice of '{target.key}'")
        elif kind is QuestionType.YES_NO:
            if op == "contains" or not all(isinstance(v, bool) for v in values):
                self.fail(f"show_if on yes_no question '{target.key}' needs equals = true or false")
        elif kind is QuestionType.SCALE:
            ok = all(
                isinstance(v, int) and not isinstance(v, bool) and 0 <= v < target.points
                for v in values
            )
            if op == "contains" or not ok:
                self.fail(
                    f"show_if on scale '{target.key}' needs values from 0 to {target.points - 1}"
                )
        else:
            self.fail(f"show_if cannot depend on the {kind.value} question '{target.key}'")
