"""A questionnaire run as the person reads it: answers written out, the result, its chart.

Both the JSON (next to the raw values) and the PDF show a run this way, so
the two copies cannot disagree on what an answer said.
"""

from __future__ import annotations

from typing import Any

from bot.charts import riasec_chart_png, values_chart_png
from dialogues.engine import recap
from dialogues.instruments import Instrument, load_all
from dialogues.results import describe_riasec, describe_values
from dialogues.scoring import RiasecResult, ValuesResult
from storage.rights import Record

SCORED_KINDS = ("riasec", "values")
RIASEC_KEYS = ("riasec", "riasec_short")


def instrument_of(key: str) -> Instrument | None:
    return load_all().get(key)


def readable(record: Record, locale: str) -> list[dict[str, Any]]:
    """A questionnaire run's answers as written out for reading."""
    instrument = instrument_of(record.label)
    answers = record.data.get("answers")
    if instrument is None or not isinstance(answers, dict):
        return []
    return [
        {
            "section": section.title + (f" {section.occurrence}" if section.occurrence else ""),
            "items": [{"question": i.question, "answer": i.answer} for i in section.items],
        }
        for section in recap(instrument, answers, locale)
    ]


def result_text(record: Record, locale: str) -> str | None:
    instrument = instrument_of(record.label)
    result = record.data.get("result")
    if instrument is None or instrument.kind not in SCORED_KINDS or not isinstance(result, dict):
        return None
    try:
        if instrument.kind == "riasec":
            return describe_riasec(RiasecResult.from_dict(result), locale)
        return describe_values(ValuesResult.from_dict(result), locale)
    except (KeyError, TypeError, ValueError):
        return None


def chart_png(record: Record, locale: str) -> bytes | None:
    instrument = instrument_of(record.label)
    result = record.data.get("result")
    if instrument is None or not isinstance(result, dict):
        return None
    try:
        if instrument.kind == "riasec":
            return riasec_chart_png(RiasecResult.from_dict(result), locale)
        if instrument.kind == "values":
            return values_chart_png(ValuesResult.from_dict(result), locale)
    except (KeyError, TypeError, ValueError):
        return None
    return None
