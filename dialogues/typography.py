"""French typography for text sent to Telegram.

French puts a space before ``? ! ; :`` and inside « guillemets ». With an
ordinary space, Telegram may wrap the line right before the question mark,
leaving it alone at the start of a line. Content authors type ordinary spaces
(invisible characters are a trap in a text editor); this turns them into the
no-break spaces French typography uses: narrow (U+202F) before ``? ! ;``,
full (U+00A0) before ``:`` and inside guillemets.
"""

from __future__ import annotations

import re

NNBSP = "\u202f"
NBSP = "\u00a0"


def french_spacing(text: str) -> str:
    text = re.sub(r" ([?!;])", NNBSP + r"\1", text)
    text = re.sub(r" :", NBSP + ":", text)
    return text.replace("« ", "«" + NBSP).replace(" »", NBSP + "»")


_SPACES = re.compile(r"\s+")
BUTTON_LABEL = 60
"""Longest button label the bot writes: Telegram shows about this much on a phone."""


def shorten(text: str, limit: int = BUTTON_LABEL) -> str:
    """``text`` on one line, at most ``limit`` characters, cut after a whole word with "…".

    Every label the bot shortens goes through here, so none ends mid-word
    ("— 2 décembr"). Only a single word longer than the limit is cut inside.
    """
    flat = _SPACES.sub(" ", text).strip()
    if len(flat) <= limit:
        return flat
    head = flat[: limit - 1]
    if flat[limit - 1] != " ":
        head = head.rsplit(" ", 1)[0] if " " in head else head
    cut = head.rstrip(" ,;:-–—·(" + NBSP + NNBSP)
    return (cut or head) + "…"
