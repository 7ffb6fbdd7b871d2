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
