"""``bilan-bot``: the administrator's command line.

Every sub-command reads the same settings as the bot. Errors an administrator
can fix (a setting, a missing migration, an unknown counsellor) are one line on
stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import date

from sqlalchemy.exc import OperationalError, ProgrammingError

from bot import cli_contacts, logs
from bot.settings import Settings, fail, load_settings, require_encryption_key, require_token
from storage import crypto, indicators, migrate, rights
from storage.actors import SystemActor
from storage.crypto import EncryptionKeyError
from storage.db import Database
from storage.keys import check_or_set_canary, rotate_all
from storage.people import (
    CounsellorExists,
    UnknownCounsellor,
    add_counsellor,
    create_invitation,
    deactivate_counsellor,
    list_counsellors,
)

ADMIN = SystemActor("cli")
EXIT_ERROR = 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bilan-bot", description="Telegram companion of the bilan de compétences."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="create or migrate the database")

    counsellor = sub.add_parser("counsellor", help="counsellor accounts").add_subparsers(
        dest="action", required=True
    )
    add = counsellor.add_parser("add", help="create a counsellor account")
    add.add_argument("--telegram-id", type=int, required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--locale", choices=["fr", "en"], default="fr")
    counsellor.add_parser("list", help="list counsellor accounts")
    deactivate = counsellor.add_parser("deactivate", help="deactivate a counsellor account")
    deactivate.add_argument("--telegram-id", type=int, required=True)

    invite = sub.add_parser("invite", help="create a one-use invitation link")
    invite.add_argument("--counsellor", type=int, required=True, help="counsellor's Telegram id")
    invite.add_argument("--name", required=True, help="the beneficiary's name")

    run = sub.add_parser("run", help="run the bot (long polling, or webhook)")
    run.add_argument("--webhook", action="store_true", help="receive updates through a webhook")
    run.add_argument("--listen", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8443)
    run.add_argument("--url", help="public HTTPS URL Telegram posts updates to")

    sandbox = sub.add_parser("sandbox", help="try the bot in this terminal, without Telegram")
    sandbox.add_argument(
        "--as", dest="role", choices=["beneficiary", "counsellor"], default="beneficiary"
    )

    keys = sub.add_parser("keys", help="encryption keys").add_subparsers(
        dest="action", required=True
    )
    keys.add_parser("generate", help="print a new key")
    keys.add_parser("rotate", help="re-encrypt all data under the first key of ENCRYPTION_KEY")

    purge = sub.add_parser("purge", help="erase what has passed its retention date")
    purge.add_argument(
        "--dry-run", action="store_true", help="print how much would go, per kind; delete nothing"
    )

    stats = sub.add_parser("stats", help="anonymous indicators (counts under 5 are hidden)")
    stats.add_argument("--from", dest="start", type=_day, help="first day of consent, YYYY-MM-DD")
    stats.add_argument("--to", dest="end", type=_day, help="last day of consent, YYYY-MM-DD")
    stats.add_argument("--format", choices=["text", "csv"], default="text")

    cli_contacts.add_parser(sub)
    return parser


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a date such as 2026-01-31") from None


def _database(settings: Settings) -> Database:
    crypto.configure(require_encryption_key(settings))
    return Database(settings.database_url)


def _with_db(settings: Settings, work: Callable[[Database], Awaitable[int]]) -> int:
    async def runner() -> int:
        db = _database(settings)
        try:
            if not await migrate.is_current(settings.database_url):
                fail("the database is not up to date: run `bilan-bot db upgrade` first")
            async with db.transaction() as session:
                await check_or_set_canary(session)
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(runner())


async def _bot_username(settings: Settings) -> str:
    if settings.telegram_bot_username:
        return settings.telegram_bot_username
    from telegram import Bot

    async with Bot(require_token(settings), base_url=settings.telegram_api_base_url) as bot:
        return bot.username


def cmd_counsellor(args: argparse.Namespace, settings: Settings) -> int:
    async def work(db: Database) -> int:
        async with db.transaction() as session:
            if args.action == "add":
                info = await add_counsellor(
                    session, ADMIN, args.telegram_id, args.name, args.locale
                )
                print(f"counsellor {info.id} added (Telegram id {info.telegram_id})")
            elif args.action == "list":
                people = await list_counsellors(session, ADMIN)
                if not people:
                    print("no counsellor yet: add one with `bilan-bot counsellor add`")
                for c in people:
                    state = "active" if c.active else "deactivated"
                    print(f"{c.telegram_id}\t{c.name}\t{state}")
            else:
                await deactivate_counsellor(session, ADMIN, args.telegram_id)
                print(f"counsellor with Telegram id {args.telegram_id} deactivated")
        return 0

    return _with_db(settings, work)


def cmd_invite(args: argparse.Namespace, settings: Settings) -> int:
    name = args.name.strip()
    if not name or len(name) > 120:
        fail("--name must be 1 to 120 characters")

    async def work(db: Database) -> int:
        async with db.transaction() as session:
            issued = await create_invitation(
                session, ADMIN, name, counsellor_telegram_id=args.counsellor
            )
            # Inside the transaction: if the bot cannot be reached, no orphan invitation.
            username = await _bot_username(settings)
        print(f"https://t.me/{username}?start={issued.token}")
        print(issued.token)
        return 0

    return _with_db(settings, work)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import ALLOWED_UPDATES, build_application

    require_token(settings)
    require_encryption_key(settings)
    if args.webhook and not args.url:
        fail("--webhook needs --url (the public HTTPS address Telegram will call)")
    crypto.configure(require_encryption_key(settings))
    if not asyncio.run(migrate.is_current(settings.database_url)):
        fail("the database is not up to date: run `bilan-bot db upgrade` first")
    application = build_application(settings, Database(settings.database_url))
    if args.webhook:
        application.run_webhook(
            listen=args.listen,
            port=args.port,
            webhook_url=args.url,
            secret_token=settings.webhook_secret_token,
            allowed_updates=ALLOWED_UPDATES,
        )
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
    return 0


def cmd_keys(args: argparse.Namespace, settings: Settings) -> int:
    async def work(db: Database) -> int:
        async with db.transaction() as session:
            count = await rotate_all(session)
        print(f"{count} encrypted values now under the first key of ENCRYPTION_KEY")
        return 0

    return _with_db(settings, work)


def cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    from bot.handlers.rights import retention_policy

    policy = retention_policy(settings.followup_month_list)

    async def work(db: Database) -> int:
        async with db.transaction() as session:
            counts = await rights.purge(session, policy=policy, dry_run=args.dry_run)
        print("dry run, nothing deleted; would erase:" if args.dry_run else "erased:")
        width = max(len(str(n)) for n in counts.values())
        for kind, n in counts.items():
            print(f"  {str(n).rjust(width)}  {kind.value}")
        return 0

    return _with_db(settings, work)


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    if args.start and args.end and args.start > args.end:
        fail("--from must not be after --to")

    async def work(db: Database) -> int:
        async with db.transaction() as session:
            lines = await indicators.report(session, args.start, args.end)
        if args.format == "csv":
            sys.stdout.write(indicators.as_csv(lines))
        else:
            print(indicators.as_text(lines, args.start, args.end))
        return 0

    return _with_db(settings, work)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "keys" and args.action == "generate":
        print(crypto.generate_key())
        return 0
    if args.command == "sandbox":
        from bot.sandbox import main as sandbox

        return sandbox(as_counsellor=args.role == "counsellor")
    settings = load_settings()
    logs.setup(settings.log_level)
    try:
        if args.command == "db":
            migrate.upgrade(settings.database_url)
            print("database is up to date")
            return 0
        handlers = {
            "counsellor": cmd_counsellor,
            "invite": cmd_invite,
            "run": cmd_run,
            "keys": cmd_keys,
            "purge": cmd_purge,
            "stats": cmd_stats,
            "contacts": cli_contacts.cmd_contacts,
        }
        return handlers[args.command](args, settings)
    except CounsellorExists:
        print("bilan-bot: a counsellor with this Telegram id already exists", file=sys.stderr)
    except UnknownCounsellor:
        print("bilan-bot: no active counsellor has this Telegram id", file=sys.stderr)
    except EncryptionKeyError as exc:
        print(f"bilan-bot: {exc}", file=sys.stderr)
        return 2
    except (OperationalError, ProgrammingError, OSError) as exc:
        logging.getLogger(__name__).debug("database error", exc_info=True)
        print(
            f"bilan-bot: cannot use the database ({type(exc).__name__}); "
            "check DATABASE_URL and run `bilan-bot db upgrade`",
            file=sys.stderr,
        )
    return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
