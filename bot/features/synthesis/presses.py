"""The ``sy:`` press table, shared by the counsellor's presses and the person's.

The counsellor's buttons put the person first (``sy:<b>:<action>[:ok]``), the
person's the verb (``sy:me``, ``sy:ok:<v>``, ``sy:cm:<v>``): buttons already
sent keep working, so the table reads ``sy:<b>:<action>…`` as the verb
``<action>`` (empty for the synthesis screen) with ``<b>`` as its first
argument. The counsellor's verbs and the person's do not overlap, and each
is registered for one kind of actor: anyone else's press reads "This button
is no longer active.", as does an id storage refuses.
"""

from __future__ import annotations

from bot.kit.presses import Presses
from bot.kit.refusals import STALE


class SynthesisPresses(Presses):
    def split(self, data: str) -> tuple[str, tuple[str, ...]]:
        verb, args = super().split(data)
        if verb.isdigit():  # sy:<b>[:<action>[:ok]]
            return (args[0] if args else ""), (verb, *args[1:])
        return verb, args


PRESSES = SynthesisPresses("sy", denied=STALE)


def counsellor_data(bid: int, action: str = "", *more: str) -> str:
    """``sy:<b>``, ``sy:<b>:<action>``, ``sy:<b>:<action>:ok``."""
    return ":".join(("sy", str(bid), *((action, *more) if action else ())))


def person_data(verb: str, version: int) -> str:
    """``sy:ok:<v>``, ``sy:cm:<v>``."""
    return PRESSES.data(verb, version)
