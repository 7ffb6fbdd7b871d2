"""PNG charts of the RIASEC and work-values results, sent as photos.

matplotlib takes about half a second to import, so it is imported inside the
functions, only when a chart is drawn, never at bot start-up. Figures are built with
the object API and the Agg canvas, not pyplot: no global state, safe in a worker
thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from dialogues.results import chart_text, format_score, riasec_name, value_name
from dialogues.scoring import TYPES, RiasecResult, ValuesResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH_IN = 8.0
DPI = 100  # 8 in x 100 dpi = 800 px wide
STRONG = "#1f5f8b"
LIGHT = "#a9c6dc"
TEXT = "#222222"
MUTED = "#666666"


def _figure(height_in: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)


def _png(fig: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _bars(
    fig: Figure,
    labels: list[str],
    scores: list[float],
    strong: list[bool],
    max_score: float,
    axis_label: str,
    locale: str,
) -> None:
    ax = fig.add_axes((0.30, 0.2, 0.62, 0.62))
    positions = list(range(len(labels)))[::-1]  # first label on top
    ax.barh(positions, scores, color=[STRONG if s else LIGHT for s in strong], height=0.62)
    ax.set_yticks(positions, labels, fontsize=11, color=TEXT)
    ax.set_xlim(0, max_score)
    step = 10 if max_score >= 20 else 1
    ax.set_xticks([x * step for x in range(int(max_score // step) + 1)])
    ax.set_xlabel(axis_label, fontsize=10, color=MUTED)
    ax.tick_params(axis="x", colors=MUTED, labelsize=9)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    for position, score, is_strong in zip(positions, scores, strong, strict=True):
        inside = score > max_score * 0.12
        ax.text(
            score - max_score * 0.01 if inside else score + max_score * 0.01,
            position,
            format_score(score, locale),
            va="center",
            ha="right" if inside else "left",
            fontsize=10,
            color="white" if inside and is_strong else TEXT,
        )


def _titles(fig: Figure, title: str, subtitle: str, locale: str) -> None:
    fig.text(0.04, 0.93, title, fontsize=15, weight="bold", color=TEXT)
    fig.text(0.04, 0.875, subtitle, fontsize=11, color=MUTED)
    fig.text(0.04, 0.03, chart_text("footer", locale), fontsize=9, style="italic", color=MUTED)


def riasec_chart_png(result: RiasecResult, locale: str, about: str | None = None) -> bytes:
    """Bars of the six RIASEC scores (0-40) in Holland's order; the code's types stand out.

    ``about``: the person's name, titling the chart their counsellor reads."""
    fig = _figure(4.6)
    code = result.code or ""
    labels = [f"{riasec_name(t, locale)} ({t})" for t in TYPES]
    _bars(
        fig,
        labels,
        [result.scores[t] for t in TYPES],
        [t in code for t in TYPES],
        40.0,
        chart_text("riasec_axis", locale),
        locale,
    )
    subtitle = (
        chart_text("riasec_code", locale).format(code=code)
        if code
        else chart_text("riasec_no_code", locale, about)
    )
    _titles(fig, chart_text("riasec_title", locale, about), subtitle, locale)
    return _png(fig)


def values_chart_png(result: ValuesResult, locale: str, about: str | None = None) -> bytes:
    """Bars of the six work values, most important first; the top three stand out.

    ``about``: the person's name, titling the chart their counsellor reads."""
    fig = _figure(4.6)
    top = set(result.order[:3]) if result.complete else set()
    _bars(
        fig,
        [value_name(v, locale) for v in result.order],
        [result.scores[v] for v in result.order],
        [v in top for v in result.order],
        float(result.scale_max),
        chart_text("values_axis", locale).format(max=result.scale_max),
        locale,
    )
    _titles(fig, chart_text("values_title", locale, about), "", locale)
    return _png(fig)
