"""The caller's actor as the role a step is for, or :class:`~bot.kit.screens.Stale`.

A counsellor's button pressed by a beneficiary (or the other way round) is an
old or forged press: it reads "This button is no longer active."
:class:`Acting` gives a press and a command the same words for it.
"""

from __future__ import annotations

from bot.i18n import Translate
from bot.kit.screens import Stale
from bot.runtime import Caller
from storage.actors import BeneficiaryActor, CounsellorActor, PersonActor


class Acting:
    """Who acts in a press or a command: the caller, and the actor it runs as (the table or
    the command checked the role already; a step for the other role is stale)."""

    caller: Caller
    actor: PersonActor

    @property
    def counsellor(self) -> CounsellorActor:
        if not isinstance(self.actor, CounsellorActor):
            raise Stale("for counsellors")
        return self.actor

    @property
    def beneficiary(self) -> BeneficiaryActor:
        if not isinstance(self.actor, BeneficiaryActor):
            raise Stale("for beneficiaries")
        return self.actor

    @property
    def _(self) -> Translate:
        """The caller's language (a press for a person who withdrew speaks theirs too)."""
        return self.caller._


def as_counsellor(caller: Caller) -> CounsellorActor:
    if not isinstance(caller.actor, CounsellorActor):
        raise Stale("for counsellors")
    return caller.actor


def as_beneficiary(caller: Caller) -> BeneficiaryActor:
    if not isinstance(caller.actor, BeneficiaryActor):
        raise Stale("for beneficiaries")
    return caller.actor
