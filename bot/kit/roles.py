"""The caller's actor as the role a step is for, or :class:`~bot.kit.screens.Stale`.

A counsellor's button pressed by a beneficiary (or the other way round) is an
old or forged press: it reads "This button is no longer active."
"""

from __future__ import annotations

from bot.kit.screens import Stale
from bot.runtime import Caller
from storage.actors import BeneficiaryActor, CounsellorActor


def as_counsellor(caller: Caller) -> CounsellorActor:
    if not isinstance(caller.actor, CounsellorActor):
        raise Stale("for counsellors")
    return caller.actor


def as_beneficiary(caller: Caller) -> BeneficiaryActor:
    if not isinstance(caller.actor, BeneficiaryActor):
        raise Stale("for beneficiaries")
    return caller.actor
