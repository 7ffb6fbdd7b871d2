"""The bot's whole wiring (``bot.app.add_handlers``) over the recording Bot API of the
métiers tests: what ``bilan-bot run`` registers, in process, one update at a time.

Tests that cross features (activity on any action, a forged press on any screen,
the consent screen's answers) use it, so they see the handlers in the order the
real bot tries them, catch-alls included.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram.ext import Application

from bot.app import add_handlers
from storage.db import Database
from tests.test_metiers_handlers import Harness


class AppHarness(Harness):
    """One bot process with every handler ``bot/app.py`` adds."""

    def wire(self, app: Application) -> None:  # type: ignore[type-arg]
        add_handlers(app)


@pytest.fixture
async def app_bot(db: Database) -> AsyncIterator[AppHarness]:
    async with AppHarness(db) as harness:
        yield harness
