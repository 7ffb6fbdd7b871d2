"""Builds the python-telegram-bot ``Application``: handlers, commands, start-up checks."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
)

from bot.dispatcher import Dispatcher, DispatcherConfig, QuietHours
from bot.features import (
    card,
    contacts,
    desk_chat,
    digest,
    enquetes,
    everyday,
    followups,
    journal,
    metiers,
    onboarding,
    plan,
    portfolio,
    questionnaire,
    rights,
    sessions,
    synthesis,
    tasks,
)
from bot.i18n import gettext_for
from bot.kit import caller, door
from bot.kit.application import builder
from bot.kit.commands import (
    BENEFICIARY,
    COUNSELLOR,
    LISTS_KEY,
    Lists,
    bot_commands,
    for_role,
)
from bot.kit.errors import on_error
from bot.kit.feature import FEATURES_KEY, Feature
from bot.kit.transport import GET_UPDATES_POOL_SIZE, AiohttpRequest
from bot.runtime import DB_KEY, DISPATCHER_KEY, SETTINGS_KEY
from bot.settings import SUPPORTED_LOCALES, Settings, require_token
from dialogues.languages import DEFAULT
from storage import crypto
from storage.actors import SystemActor
from storage.db import Database
from storage.keys import check_or_set_canary
from storage.people import list_counsellors

log = logging.getLogger(__name__)

DIGEST_TASK_KEY = "digest_task"
DESK_KEY = "desk"
PURGE_KEY = "daily_purge"


def command_lists() -> Lists:
    """Each role's commands, in the order its menu (``setMyCommands``) and ``/aide`` show them.

    Both are made from these lists, so a command cannot be in one and missing
    from the other. A feature brings its own commands and roles
    (``FEATURE.commands``, placed in both lists, each keeps its own). The
    handlers themselves are added in :func:`add_handlers`.
    """
    for_beneficiary = [
        everyday.MENU,
        followups.RESUME,
        *sessions.FEATURE.commands,
        *tasks.FEATURE.commands,
        *journal.FEATURE.commands,
        *metiers.FEATURE.commands,
        *portfolio.FEATURE.commands,
        *enquetes.FEATURE.commands,
        *plan.FEATURE.commands,
        *synthesis.FEATURE.commands,
        followups.FOLLOWUP,
        *rights.FEATURE.commands,
        *everyday.EVERYDAY,
    ]
    for_counsellor = [
        *card.FEATURE.commands,
        *sessions.FEATURE.commands,
        *tasks.FEATURE.commands,
        *journal.FEATURE.commands,
        *enquetes.FEATURE.commands,
        *contacts.FEATURE.commands,
        *desk_chat.FEATURE.commands,
        *digest.FEATURE.commands,
        *everyday.EVERYDAY,
    ]
    return {
        BENEFICIARY: for_role(for_beneficiary, BENEFICIARY),
        COUNSELLOR: for_role(for_counsellor, COUNSELLOR),
    }


async def register_commands(application: Application) -> None:  # type: ignore[type-arg]
    """``setMyCommands`` in both languages: the beneficiaries' for all, each counsellor's own."""
    bot = application.bot
    lists: Lists = application.bot_data[LISTS_KEY]
    for locale in SUPPORTED_LOCALES:
        _ = gettext_for(locale)
        await bot.set_my_commands(
            bot_commands(lists[BENEFICIARY], BENEFICIARY, _), language_code=locale
        )
    default = gettext_for(DEFAULT.code)
    await bot.set_my_commands(bot_commands(lists[BENEFICIARY], BENEFICIARY, default))
    db: Database = application.bot_data[DB_KEY]
    async with db.transaction() as session:
        counsellors = await list_counsellors(session, SystemActor("commands"))
    for person in counsellors:
        if not person.active:
            continue
        scope = BotCommandScopeChat(person.telegram_id)
        try:
            for locale in SUPPORTED_LOCALES:
                _ = gettext_for(locale)
                await bot.set_my_commands(
                    bot_commands(lists[COUNSELLOR], COUNSELLOR, _),
                    scope=scope,
                    language_code=locale,
                )
            await bot.set_my_commands(
                bot_commands(lists[COUNSELLOR], COUNSELLOR, default), scope=scope
            )
            await desk_chat.set_menu_button(
                bot, application.bot_data[SETTINGS_KEY], person.telegram_id
            )
        except TelegramError:
            # A counsellor who never opened the chat: commands still work when typed.
            log.info("could not set commands for counsellor %s", person.id)


async def post_init(application: Application) -> None:  # type: ignore[type-arg]
    db: Database = application.bot_data[DB_KEY]
    settings: Settings = application.bot_data[SETTINGS_KEY]
    async with db.transaction() as session:
        await check_or_set_canary(session)
    await register_commands(application)
    config = DispatcherConfig(
        quiet_hours=QuietHours.parse(settings.quiet_hours), instance=settings.bot_instance
    )
    dispatcher = Dispatcher(application.bot, db, config=config)
    application.bot_data[DISPATCHER_KEY] = dispatcher
    dispatcher.start()
    purge = rights.DailyPurge(db, rights.retention_policy(settings.followup_month_list))
    application.bot_data[PURGE_KEY] = purge
    purge.start()
    application.bot_data[DIGEST_TASK_KEY] = asyncio.create_task(
        digest.digest_loop(db), name="digests"
    )
    if settings.desk_port is not None and not application.bot_data.get("desk_shared_port"):
        # The counsellor's desk, served by this process (bot/desk); stopped in post_stop.
        # (With the webhook on the same port, bot/desk/shared_port.py serves both.)
        from bot.desk.server import embedded

        desk = embedded(settings, db, dispatcher.wake)
        application.bot_data[DESK_KEY] = desk
        desk.start()
    log.info("bot @%s ready", application.bot.username)


async def post_stop(application: Application) -> None:  # type: ignore[type-arg]
    desk = application.bot_data.get(DESK_KEY)
    if desk is not None:
        await desk.stop()
    purge: rights.DailyPurge | None = application.bot_data.get(PURGE_KEY)
    if purge is not None:
        await purge.stop()
    task: asyncio.Task[None] | None = application.bot_data.get(DIGEST_TASK_KEY)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    dispatcher: Dispatcher | None = application.bot_data.get(DISPATCHER_KEY)
    if dispatcher is not None:
        await dispatcher.stop()


async def post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
    db: Database = application.bot_data[DB_KEY]
    await db.dispose()


def _add_feature(application: Application, feature: Feature) -> None:  # type: ignore[type-arg]
    """One feature folder's handlers (commands, presses, others) and its text flows,
    which the door (bot/kit/door.py) finds by name: every flow that waits for typed
    text belongs to a feature. The feature joins those kept in ``bot_data``, which the
    caller's gate and the menu ask (:func:`bot.kit.feature.assembled`)."""
    for handler in feature.all_handlers():
        application.add_handler(handler)
    for text_flow in feature.flows:
        door.register(text_flow)
    features: tuple[Feature, ...] = application.bot_data.get(FEATURES_KEY, ())
    application.bot_data[FEATURES_KEY] = (*features, feature)


def add_handlers(application: Application) -> None:  # type: ignore[type-arg]
    application.bot_data[LISTS_KEY] = command_lists()
    application.bot_data[FEATURES_KEY] = ()  # each feature joins as _add_feature adds it
    application.add_handler(caller.handler(), group=caller.GROUP)
    _add_feature(application, onboarding.FEATURE)
    _add_feature(application, card.FEATURE)
    _add_feature(application, desk_chat.FEATURE)
    _add_feature(application, everyday.FEATURE)
    _add_feature(application, digest.FEATURE)
    _add_feature(application, plan.FEATURE)
    _add_feature(application, followups.FEATURE)
    _add_feature(application, questionnaire.FEATURE)
    _add_feature(application, metiers.FEATURE)
    _add_feature(application, sessions.FEATURE)
    _add_feature(application, tasks.FEATURE)
    _add_feature(application, journal.FEATURE)
    _add_feature(application, rights.FEATURE)
    _add_feature(application, portfolio.FEATURE)
    _add_feature(application, synthesis.FEATURE)
    # Enquêtes métiers: the resource file (counsellor) and the field inquiries (beneficiary).
    _add_feature(application, contacts.FEATURE)
    _add_feature(application, enquetes.FEATURE)
    for handler in everyday.LAST:  # after every feature: they match anything
        application.add_handler(handler)
    application.add_error_handler(on_error)


def build_application(settings: Settings, db: Database) -> Application:  # type: ignore[type-arg]
    assert settings.encryption_key is not None
    crypto.configure(settings.encryption_key)
    application = (
        builder(AIORateLimiter(max_retries=3))
        .token(require_token(settings))
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.file_base_url)
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest(pool_size=GET_UPDATES_POOL_SIZE))
        .concurrent_updates(False)
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data[DB_KEY] = db
    application.bot_data[SETTINGS_KEY] = settings
    add_handlers(application)
    return application


ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]
