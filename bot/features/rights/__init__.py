"""``/mesdonnees``: the beneficiary sees, exports or erases their data, or withdraws consent.

Also the answer on keeping the synthesis (asked after its delivery by
:mod:`bot.features.synthesis`, and again here at any time), the counsellor's
notices of an erasure or a withdrawal, the organisation's retention settings
and the daily purge the bot runs.

Who may use it: a person whose consent is given *or withdrawn*
(:mod:`bot.features.rights.holder`); withdrawing makes a person a stranger
to every other screen, never to their rights.

Callback grammar (all under ``rg:``, re-checked against the caller on every
press; the erasure's two confirmations are kept in the database, so a forged
press cannot skip one)::

    rg:home        the entry screen (also leaves an erasure half-way)
    rg:see         what is kept, until when, who opened it
    rg:exp         the copy: a PDF and a JSON file
    rg:del         erase, first confirmation
    rg:del1        erase, second confirmation
    rg:del2        erase now
    rg:wd  rg:wd1  withdraw consent: ask, then do it
    rg:keep        after withdrawing, keep the data for now
    rg:syn         the question on keeping the synthesis, again
    rg:syn:y|n     the answer to it
                   (:func:`bot.features.synthesis.delivery.record_retention_answer`)

``commands`` (``/mesdonnees``), ``presses`` (the ``rg:`` buttons), ``holder``
(who may use them), ``screens`` (what they read), ``notices`` (what the
outbox tells the counsellor), ``retention`` (the settings), ``purge`` (the
daily purge).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.rights import notices as notices  # registers the outbox kinds
from bot.features.rights.commands import COMMANDS
from bot.features.rights.presses import PRESSES
from bot.features.rights.purge import DailyPurge
from bot.features.rights.retention import retention_policy
from bot.kit.feature import Feature
from storage import rights
from storage.actors import Actor

__all__ = ["FEATURE", "DailyPurge", "cancel", "retention_policy"]

FEATURE = Feature(name="rights", commands=COMMANDS, presses=(PRESSES,), open_to_withdrawn=True)


async def cancel(session: AsyncSession, actor: Actor) -> bool:
    """For ``/annuler``: forget an erasure half-way; True if one was pending."""
    return await rights.cancel(session, actor)
