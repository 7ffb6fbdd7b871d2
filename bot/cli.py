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

from bot import cli_contacts, logs, reach
from bot.settings import (
    EXIT_BAD_SETTINGS,
    Settings,
    fail,
    load_settings,
    require_encryption_key,
    require_token,
)
from dialogues.languages import DEFAULT, codes
from storage import crypto, indicators, migrate, rights
from storage.actors import SystemActor
from storage.crypto import EncryptionKeyError
from storage.db import Database, sqlite_folder
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
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    """Every sub-command and option, each with a help text (`tests/test_cli_help.py`)."""
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
    add.add_argument(
        "--telegram-id", type=int, required=True, help="their Telegram id (ask @userinfobot)"
    )
    add.add_argument("--name", required=True, help="the name beneficiaries will read")
    add.add_argument(
        "--locale",
        choices=codes(),
        default=DEFAULT.code,
        help=f"their language (default: {DEFAULT.code})",
    )
    counsellor.add_parser("list", help="list counsellor accounts")
    deactivate = counsellor.add_parser("deactivate", help="deactivate a counsellor account")
    deactivate.add_argument(
        "--telegram-id", type=int, required=True, help="the Telegram id of the account"
    )

    invite = sub.add_parser("invite", help="create a one-use invitation link")
    invite.add_argument("--counsellor", type=int, required=True, help="counsellor's Telegram id")
    invite.add_argument("--name", required=True, help="the beneficiary's name")

    run = sub.add_parser("run", help="run the bot (long polling, or webhook)")
    run.add_argument("--webhook", action="store_true", help="receive updates through a webhook")
    run.add_argument(
        "--listen", default="127.0.0.1", help="webhook: address to listen on (default: 127.0.0.1)"
    )
    run.add_argument(
        "--port", type=int, default=8443, help="webhook: port to listen on (default: 8443)"
    )
    run.add_argument("--url", help="public HTTPS URL Telegram posts updates to")

    sub.add_parser("desk", help="serve the counsellor's desk alone (DESK_HOST, DESK_PORT)")

    sandbox = sub.add_parser("sandbox", help="try the bot in this terminal, without Telegram")
    sandbox.add_argument(
        "--as",
        dest="role",
        choices=["beneficiary", "counsellor"],
        default="beneficiary",
        help="who you are in the chat (default: a beneficiary who just opened an invitation)",
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
    stats.add_argument(
        "--format", choices=["text", "csv"], default="text", help="output (default: text)"
    )

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
    return await reach.bot_username(require_token(settings), settings.telegram_api_base_url)


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
    """Run the bot; wait for the Bot API first if the network is not there yet.

    See ``bot.reach`` for why ``run`` waits for the network where ``invite``
    stops. The application runs on a loop this function closes itself, after
    the database engine is disposed: an aiosqlite connection still open when
    its loop closes fails in its own thread at exit.
    """
    from telegram.error import InvalidToken

    from bot.app import ALLOWED_UPDATES, build_application

    token = require_token(settings)
    require_encryption_key(settings)
    if args.webhook and not args.url:
        fail("--webhook needs --url (the public HTTPS address Telegram will call)")
    crypto.configure(require_encryption_key(settings))
    if not asyncio.run(migrate.is_current(settings.database_url)):
        fail("the database is not up to date: run `bilan-bot db upgrade` first")
    try:
        asyncio.run(reach.wait_for_telegram(token, settings.telegram_api_base_url))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    db = Database(settings.database_url)
    application = build_application(settings, db)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        if args.webhook and settings.desk_port == args.port:
            # The desk and the webhook on one port (bot/desk/shared_port.py).
            from bot.desk.shared_port import serve_webhook_with_desk

            loop.run_until_complete(
                serve_webhook_with_desk(
                    application, settings, db, listen=args.listen, port=args.port, url=args.url
                )
            )
        elif args.webhook:
            application.run_webhook(
                listen=args.listen,
                port=args.port,
                webhook_url=args.url,
                secret_token=settings.webhook_secret_token,
                allowed_updates=ALLOWED_UPDATES,
                bootstrap_retries=-1,
                close_loop=False,
            )
        else:
            application.run_polling(
                allowed_updates=ALLOWED_UPDATES, bootstrap_retries=-1, close_loop=False
            )
    except InvalidToken:
        # Revoked between the check above and the start: the message quotes the token.
        raise reach.token_refused(settings.telegram_api_base_url) from None
    finally:
        loop.run_until_complete(db.dispose())
        loop.close()
    return 0


def cmd_desk(args: argparse.Namespace, settings: Settings) -> int:
    """The desk without the bot (another process sends its notices through the outbox)."""
    from bot.desk.server import serve_alone

    require_token(settings)
    crypto.configure(require_encryption_key(settings))
    if settings.desk_port is None:
        fail("setting DESK_PORT is missing: the port the desk listens on, e.g. DESK_PORT=8080")
    if not asyncio.run(migrate.is_current(settings.database_url)):
        fail("the database is not up to date: run `bilan-bot db upgrade` first")
    serve_alone(settings, Database(settings.database_url))
    return 0


def cmd_keys(args: argparse.Namespace, settings: Settings) -> int:
    async def work(db: Database) -> int:
        async with db.transaction() as session:
            count = await rotate_all(session)
        print(f"{count} encrypted values now under the first key of ENCRYPTION_KEY")
        return 0

    return _with_db(settings, work)


def cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    from bot.features.rights import retention_policy

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


def _check_sqlite_folder(url: str, create: bool) -> None:
    """An SQLite file in a folder that does not exist: ``db upgrade`` makes the folder.

    ``db upgrade`` is the administrator saying "create the database here", so
    it creates the folder (readable by this user only); every other command
    says the folder is missing instead of failing to open the file.
    """
    folder = sqlite_folder(url)
    if folder is None or folder.is_dir():
        return
    if not create:
        fail(
            f"the folder {folder} of the SQLite database does not exist: check DATABASE_URL, "
            "or create the database there with `bilan-bot db upgrade`"
        )
    try:
        folder.mkdir(mode=0o700, parents=True)
    except OSError as exc:
        fail(f"cannot create the folder {folder} for DATABASE_URL ({exc.strerror})")
    print(f"created the folder {folder}")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "keys" and args.action == "generate":
        print(crypto.generate_key())
        return 0
    if args.command == "sandbox":
        from bot.sandbox import main as sandbox

        return sandbox(as_counsellor=args.role == "counsellor")
    settings = load_settings()
    logs.setup(settings.log_level)
    _check_sqlite_folder(settings.database_url, create=args.command == "db")
    try:
        if args.command == "db":
            print(migrate.upgrade_report(settings.database_url))
            return 0
        handlers = {
            "counsellor": cmd_counsellor,
            "invite": cmd_invite,
            "run": cmd_run,
            "desk": cmd_desk,
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
        return EXIT_BAD_SETTINGS
    except reach.TelegramProblem as exc:
        print(f"bilan-bot: {exc}", file=sys.stderr)
        return EXIT_BAD_SETTINGS
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
