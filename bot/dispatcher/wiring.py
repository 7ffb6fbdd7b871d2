"""The dispatcher in the Application: started in ``post_init``, stopped in ``post_stop``;
and what a returning person's ``/start`` releases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import Application

from bot.dispatcher.config import DispatcherConfig
from bot.dispatcher.sending import Dispatcher
from bot.outbox_kinds import REGISTRY
from bot.runtime import DB_KEY
from storage import outbox
from storage.db import Database
from storage.outbox import Recipient

DISPATCHER_KEY = "outbox_dispatcher"


async def start_dispatcher(
    application: Application,  # type: ignore[type-arg]
    config: DispatcherConfig | None = None,
) -> Dispatcher:
    """Call from ``post_init``: the Application's bot is initialised by then."""
    db: Database = application.bot_data[DB_KEY]
    dispatcher = Dispatcher(application.bot, db, config=config)
    application.bot_data[DISPATCHER_KEY] = dispatcher
    dispatcher.start()
    return dispatcher


async def stop_dispatcher(application: Application) -> None:  # type: ignore[type-arg]
    """Call from ``post_stop``: before the bot and the database are shut down."""
    dispatcher: Dispatcher | None = application.bot_data.pop(DISPATCHER_KEY, None)
    if dispatcher is not None:
        await dispatcher.stop()


async def person_returned(
    session: AsyncSession, recipient: Recipient, *, now: datetime | None = None
) -> outbox.ReturnOutcome:
    """For ``/start`` of a known person: release what was held while they were away.

    Cheap when nothing was held (one UPDATE, one SELECT): call it on every
    ``/start`` of a known person, in the handler's transaction.
    """
    return await outbox.on_person_returned(
        session, recipient, now=now, stale_after=REGISTRY.stale_after
    )
