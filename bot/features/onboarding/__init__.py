"""Onboarding: ``/start`` with the invitation link, and the consent screen's buttons.

The person is not known yet, so this feature is added first, before any other
looks the caller up; ``start`` holds the screens and the stranger's sentence,
which the caller's gate (:mod:`bot.kit.caller`) also uses.
"""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.features.onboarding.start import consent_button, start
from bot.keyboards import CONSENT_PREFIX
from bot.kit.feature import Feature

FEATURE = Feature(
    name="onboarding",
    handlers=(
        CommandHandler("start", start),
        CallbackQueryHandler(consent_button, pattern=f"^{CONSENT_PREFIX}"),
    ),
)

__all__ = ["FEATURE"]
