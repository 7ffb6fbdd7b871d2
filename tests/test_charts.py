"""Result charts: valid, small, 800 px wide PNGs in both languages, matplotlib lazy."""

from __future__ import annotations

import struct
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

import dialogues
from bot.charts import riasec_chart_png, values_chart_png
from dialogues.scoring import RiasecResult, ValuesResult, score_riasec, score_values

INSTRUMENTS = Path(dialogues.__file__).parent / "instruments"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def load(key: str) -> dict[str, Any]:
    with (INSTRUMENTS / f"{key}.toml").open("rb") as handle:
        return tomllib.load(handle)


def riasec_result(per_type: dict[str, int]) -> RiasecResult:
    instrument = load("riasec")
    answers = {
        q["key"]: per_type[q["dimension"]] for s in instrument["sections"] for q in s["questions"]
    }
    return score_riasec(instrument, answers)


def values_result() -> ValuesResult:
    instrument = load("work_values")
    preference = [
        "support",
        "independence",
        "achievement",
        "relationships",
        "recognition",
        "conditions",
    ]
    answers = {
        q["key"]: min((c["key"] for c in q["choices"]), key=preference.index)
        for s in instrument["sections"]
        for q in s["questions"]
    }
    return score_values(instrument, answers)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_riasec_chart_is_a_small_800px_png(locale: str) -> None:
    data = riasec_chart_png(riasec_result({"R": 0, "I": 1, "A": 2, "S": 4, "E": 3, "C": 1}), locale)
    width, height = png_size(data)
    assert width == 800 and 300 <= height <= 700
    assert 5_000 < len(data) < 200_000


def test_riasec_chart_depends_on_the_locale_and_the_scores() -> None:
    clear = riasec_result({"R": 0, "I": 1, "A": 2, "S": 4, "E": 3, "C": 1})
    flat = riasec_result(dict.fromkeys("RIASEC", 2))
    assert flat.flat
    french, english = riasec_chart_png(clear, "fr"), riasec_chart_png(clear, "en")
    assert french != english
    assert riasec_chart_png(flat, "fr") != french
    png_size(riasec_chart_png(flat, "en"))


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_values_chart_is_a_small_800px_png(locale: str) -> None:
    data = values_chart_png(values_result(), locale)
    width, _ = png_size(data)
    assert width == 800
    assert 5_000 < len(data) < 200_000


def test_values_chart_differs_by_locale() -> None:
    result = values_result()
    assert values_chart_png(result, "fr") != values_chart_png(result, "en")


def test_importing_the_module_does_not_import_matplotlib() -> None:
    code = "import sys, bot.charts; print('matplotlib' in sys.modules)"
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
