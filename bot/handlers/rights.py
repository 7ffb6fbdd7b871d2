"""``/mesdonnees``: the beneficiary sees, exports or erases their data, or withdraws consent.

Also the answer on keeping the synthesis (asked after its delivery by
:mod:`bot.features.synthesis`, and again here at any time), the counsellor's
notices of an erasure or a withdrawal, the organisation's retention settings
and the daily purge the bot runs.

Who may use it: a person whose consent is given *or withdrawn*
(:func:`storage.rights.rights_holder`); withdrawing makes a person a stranger
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
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import time
from datetime import datetime, timedelta
from functools import cache
from typing import Annotated

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest

from bot.export import (
    access_text,
    build_json,
    build_pdf,
    file_names,
    part_title,
    retention_text,
)
from bot.features.synthesis import delivery as synthesis_delivery
from bot.handlers.onboarding import stranger_text
from bot.i18n import N_, Translate, format_date_long, gettext_for, ngettext_of
from bot.keyboards import button
from bot.outbox_kinds import OutgoingMessage, RenderContext, register
from bot.replies import chunk_lines
from bot.runtime import Context, identify, settings, wake_dispatcher, work
from bot.settings import fail
from dialogues.instruments import load_all
from storage import rights
from storage.actors import (
    AccessDenied,
    Actor,
    BeneficiaryActor,
    CounsellorActor,
    load_beneficiary_for,
)
from storage.db import Database
from storage.models import BeneficiaryStatus, utcnow
from storage.outbox import ClaimedMessage
from storage.rights import Dossier, Record, RetentionPolicy

log = logging.getLogger(__name__)

PREFIX = "rg:"
DATA_COMMANDS = ("mesdonnees", "mydata")
"""Open to a person who withdrew their consent too: the rights outlive it."""
CALLBACK_PATTERN = r"^rg:"
HOME = "rg:home"
COMMANDS = [("mesdonnees", N_("See, export or erase your data"))]
ACCESSES_SHOWN = 12

ERASED_NOTICE = N_(
    "{name} has erased their data from the bot. Nothing of their dossier remains here; "
    "only anonymous counts are kept."
)
WITHDRAWN_NOTICE = N_(
    "{name} has withdrawn their consent: I no longer write to them. Their data stays until "
    "they erase it or its retention period ends."
)


def _e(text: str) -> str:
    return html.escape(text, quote=False)


@register(rights.ERASED_KIND)
async def render_erased(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """The name travels in the row: nothing else is left of the person to read it from."""
    name = (row.payload or {}).get("name")
    if not isinstance(name, str):
        return None
    return OutgoingMessage(context._(ERASED_NOTICE).format(name=name))


@register(rights.WITHDRAWN_KIND)
async def render_withdrawn(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    """Names the person to their own counsellor, read through the access door when sent."""
    actor = context.counsellor_actor()
    if actor is None or row.beneficiary_id is None:
        return None
    async with context.db.transaction() as session:
        try:
            person = await load_beneficiary_for(session, actor, row.beneficiary_id)
        except AccessDenied:
            return None
        name = person.name
    return OutgoingMessage(context._(WITHDRAWN_NOTICE).format(name=name))


# --- the organisation's retention settings ---------------------------------------------------


class RetentionSettings(BaseSettings):
    """``DOSSIER_RETENTION_DAYS`` and friends, from the environment or ``.env``."""

    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", case_sensitive=False, env_ignore_empty=True
    )

    dossier_retention_days: Annotated[int, Field(ge=1, le=rights.MAX_RETENTION_DAYS)] = (
        rights.MAX_RETENTION_DAYS
    )
    # Unset: a month after the last follow-up of FOLLOWUP_MONTHS, within the dossier retention.
    followup_window_days: Annotated[int, Field(ge=0, le=rights.MAX_RETENTION_DAYS)] | None = None
    inactive_retention_days: Annotated[int, Field(ge=1, le=rights.MAX_RETENTION_DAYS)] = (
        rights.MAX_RETENTION_DAYS
    )
    finished_messages_days: Annotated[int, Field(ge=1, le=rights.MAX_RETENTION_DAYS)] = 30


def _policy(context: Context) -> RetentionPolicy:
    return retention_policy(settings(context).followup_month_list)


def followup_window(followup_months: tuple[int, ...], dossier_days: int) -> int:
    """Days from conclusion to a month after the last follow-up check-in."""
    last = max(followup_months, default=6)
    return min(dossier_days, round(last * 30.44) + 30)


@cache
def retention_policy(followup_months: tuple[int, ...] = (3, 6)) -> RetentionPolicy:
    """The policy from the settings; a bad value stops the program with one line.

    Read once per process: the bot checks it at start-up (the daily purge is
    built from it), so a bad value never surfaces in the middle of a handler.

    ``followup_months`` is the bot's ``FOLLOWUP_MONTHS``
    (``Settings.followup_month_list``).
    """
    try:
        conf = RetentionSettings()
        window = conf.followup_window_days
        if window is None:
            window = followup_window(followup_months, conf.dossier_retention_days)
        return RetentionPolicy(
            dossier_days=conf.dossier_retention_days,
            followup_days=window,
            inactive_days=conf.inactive_retention_days,
            finished_messages_days=conf.finished_messages_days,
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "retention"
        fail(f"setting {name} is invalid: {error['msg']}")
    except ValueError as exc:
        fail(f"retention settings are inconsistent: {exc}")
    raise AssertionError("unreachable")


# --- the daily purge --------------------------------------------------------------------------


class DailyPurge:
    """Runs :func:`storage.rights.purge` shortly after start-up, then once a day.

    Nothing is lost if the process stops: the purge works from the dates in
    the database, so the next run catches up. Several processes may each run
    one; the deletes are idempotent.
    """

    def __init__(
        self,
        db: Database,
        policy: RetentionPolicy,
        *,
        interval: timedelta = timedelta(days=1),
        first_delay: timedelta = timedelta(minutes=1),
    ) -> None:
        self._db = db
        self._policy = policy
        self._interval = interval
        self._first_delay = first_delay
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> dict[rights.PurgeKind, int]:
        async with self._db.transaction() as session:
            counts = await rights.purge(session, utcnow(), self._policy)
        log.info(
            "purge: %s", ", ".join(f"{n} {kind.value}" for kind, n in counts.items()) or "nothing"
        )
        return counts

    async def _loop(self) -> None:
        await asyncio.sleep(self._first_delay.total_seconds())
        while True:
            try:
                await self.run_once()
            except Exception as exc:  # keep purging tomorrow; the type says enough
                log.error("purge failed (%s); next try in %s", type(exc).__name__, self._interval)
            await asyncio.sleep(self._interval.total_seconds())

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="daily-purge")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


# --- who is asking ----------------------------------------------------------------------------


async def _holder(
    update: Update, context: Context
) -> tuple[BeneficiaryActor, Translate, str] | None:
    """The rights holder behind the update, or a polite refusal to anyone else."""
    user = update.effective_user
    if user is None:
        return None
    async with work(context) as session:
        actor = await rights.rights_holder(session, user.id)
    if actor is not None:
        return actor, gettext_for(actor.locale), actor.locale
    caller = await identify(update, context)
    message = update.effective_message
    if update.callback_query is not None:
        await update.callback_query.answer()
    if caller is None or message is None:
        return None
    if isinstance(caller.actor, CounsellorActor):
        await message.reply_text(
            caller._("This is where beneficiaries see, export or erase their data.")
        )
    else:
        await message.reply_text(stranger_text(caller._, caller.retired))
    return None


# --- screens ----------------------------------------------------------------------------------


def _markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    return InlineKeyboardMarkup(rows) if rows else None


async def _home(
    session: AsyncSession,
    actor: BeneficiaryActor,
    _: Translate,
    locale: str,
    policy: RetentionPolicy,
) -> tuple[str, InlineKeyboardMarkup | None]:
    dossier = await rights.collect(session, actor, policy=policy)
    lines = [
        "<b>" + _("Your data") + "</b>",
        "",
        _(
            "Everything the bot keeps about you is yours: you can see it, take a copy, or "
            "erase it. Only you and your counsellor can read your answers."
        ),
    ]
    profile = dossier.profile
    if profile.status == BeneficiaryStatus.WITHDRAWN:
        when = profile.consent_withdrawn_at or profile.last_activity_at or profile.invited_at
        lines += [
            "",
            _(
                "You withdrew your consent on {date}: I no longer write to you. Your data is "
                "kept until you erase it. {retention}"
            ).format(
                date=format_date_long(when, locale, actor.timezone),
                retention=_e(retention_text(dossier, _, locale, actor.timezone)),
            ),
        ]
    rows = [
        [button(_("👁 What is kept about me"), "rg:see")],
        [button(_("📦 A copy of my data (PDF + JSON)"), "rg:exp")],
    ]
    if await rights.may_answer_synthesis(session, actor):
        rows.append([button(_("📄 Keeping my synthesis: my answer"), "rg:syn")])
    if profile.status == BeneficiaryStatus.ACTIVE:
        rows.append([button(_("✋ Withdraw my consent"), "rg:wd")])
    rows.append([button(_("🗑 Erase my data"), "rg:del")])
    return "\n".join(lines), _markup(rows)


def _instrument_line(record: Record, _: Translate, locale: str, timezone: str) -> str:
    ngettext = ngettext_of(_)
    instrument = load_all().get(record.label)
    title = _e(instrument.title.get(locale) if instrument else record.label)
    submitted = record.data.get("submitted_at")
    if isinstance(submitted, str):
        when = format_date_long(datetime.fromisoformat(submitted), locale, timezone)
        if record.data.get("result") is not None:
            return _("• {title}: sent on {date}, with its result").format(title=title, date=when)
        return _("• {title}: sent on {date}").format(title=title, date=when)
    answers = record.data.get("answers") or {}
    count = len(answers)
    return ngettext(
        "• {title}: in progress ({count} answer)", "• {title}: in progress ({count} answers)", count
    ).format(title=title, count=count)


def recorded_summary(
    count: int, dates: list[datetime], _: Translate, locale: str, timezone: str
) -> str:
    """ "• 3 enregistrements, du 2 au 9 décembre": one date when they all fall on one day."""
    ngettext = ngettext_of(_)
    if not dates:
        return ngettext("• {count} recorded", "• {count} recorded", count).format(count=count)
    first = format_date_long(min(dates), locale, timezone)
    last = format_date_long(max(dates), locale, timezone)
    if first == last:
        return ngettext(
            "• {count} recorded, on {date}", "• {count} recorded, on {date}", count
        ).format(count=count, date=first)
    return ngettext(
        "• {count} recorded, from {first} to {last}",
        "• {count} recorded, from {first} to {last}",
        count,
    ).format(count=count, first=first, last=last)


def see_lines(dossier: Dossier, _: Translate, locale: str, timezone: str) -> list[str]:
    """The summary of what is kept, where, until when and who opened it (HTML lines)."""
    ngettext = ngettext_of(_)
    p = dossier.profile
    lines = ["<b>" + _("What is kept about you") + "</b>", ""]
    consent = (
        _(
            "Your name as your counsellor typed it, your language and time zone; consent given on "
            "{date}."
        ).format(date=format_date_long(p.consent_at, locale, timezone))
        if p.consent_at
        else _("Your name as your counsellor typed it, your language and time zone.")
    )
    lines.append("• " + consent)
    runs = dossier.parts.get("questionnaires", [])
    lines += ["", "<b>" + _("Questionnaires") + "</b>"]
    lines += [_instrument_line(r, _, locale, timezone) for r in runs] or [_("• none yet")]
    job = dossier.parts.get("current_job")
    if job:
        ticked = len(job[0].data.get("ticked_skills") or [])
        lines += [
            "",
            "<b>" + _("Your job and skills") + "</b>",
            ngettext(
                "• the job you named and {count} skill ticked",
                "• the job you named and {count} skills ticked",
                ticked,
            ).format(count=ticked),
        ]
    for kind, records in dossier.parts.items():
        if kind in ("questionnaires", "current_job"):
            continue
        dates = [r.at for r in records if r.at is not None]
        summary = recorded_summary(len(records), dates, _, locale, timezone)
        lines += ["", "<b>" + _e(part_title(kind, _)) + "</b>", summary]
    lines += [
        "",
        "<b>" + _("Where") + "</b>",
        _(
            "In the bot's database on your bilan provider's server, encrypted. Only you and "
            "your counsellor, {name}, can read it; nobody else, not even whoever runs the server."
        ).format(name=_e(dossier.counsellor_name)),
        "",
        "<b>" + _("Until when") + "</b>",
        _e(retention_text(dossier, _, locale, timezone)),
        "",
        "<b>" + _("Who opened it") + "</b>",
    ]
    if not dossier.accesses:
        lines.append(_("Nobody but you has opened your data."))
    for access in dossier.accesses[:ACCESSES_SHOWN]:
        lines.append("• " + _e(access_text(access, _, locale, timezone)))
    if len(dossier.accesses) > ACCESSES_SHOWN:
        lines.append(
            ngettext(
                "(and {count} earlier: it is listed in your copy)",
                "(and {count} earlier: all are listed in your copy)",
                len(dossier.accesses) - ACCESSES_SHOWN,
            ).format(count=len(dossier.accesses) - ACCESSES_SHOWN)
        )
    return lines


# --- sending ------------------------------------------------------------------------------------


async def _show(update: Update, text: str, markup: InlineKeyboardMarkup | None, edit: bool) -> None:
    query = update.callback_query
    message = update.effective_message
    if edit and query is not None:
        try:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
    if message is not None:
        await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def _send_see(
    update: Update, context: Context, actor: BeneficiaryActor, _: Translate, locale: str
) -> None:
    policy = _policy(context)
    async with work(context) as session:
        dossier = await rights.collect(session, actor, policy=policy)
    chunks = chunk_lines(see_lines(dossier, _, locale, actor.timezone))
    back = _markup([[button(_("⬅️ Back"), HOME)]])
    for index, chunk in enumerate(chunks):
        await context.bot.send_message(
            actor.telegram_id,
            chunk,
            parse_mode=ParseMode.HTML,
            reply_markup=back if index == len(chunks) - 1 else None,
        )


async def _send_export(
    update: Update, context: Context, actor: BeneficiaryActor, _: Translate, locale: str
) -> None:
    chat = actor.telegram_id
    await context.bot.send_chat_action(chat, ChatAction.UPLOAD_DOCUMENT)
    began = time.perf_counter()
    async with work(context) as session:
        dossier = await rights.collect(session, actor, policy=_policy(context))
    pdf = await asyncio.to_thread(build_pdf, dossier, locale, actor.timezone)
    document = await asyncio.to_thread(build_json, dossier, locale)
    log.info(
        "beneficiary %s exported their data in %.0f ms",
        actor.beneficiary_id,
        (time.perf_counter() - began) * 1000,
    )
    pdf_name, json_name = file_names(dossier)
    await context.bot.send_document(
        chat, InputFile(pdf, filename=pdf_name), caption=_("Your data, to read and print (PDF).")
    )
    await context.bot.send_document(
        chat,
        InputFile(document, filename=json_name),
        caption=_("The same data, complete and machine-readable (JSON)."),
        reply_markup=_markup([[button(_("⬅️ Back"), HOME)]]),
    )


def _erase_first(_: Translate) -> tuple[str, InlineKeyboardMarkup | None]:
    text = _(
        "<b>Erase all your data?</b>\n\n"
        "This deletes for good your answers and results, your job and skills, your sessions, "
        "tasks and journal, the messages planned for you and the record of who opened your "
        "data. Your counsellor will be told that you erased your data, without any content. "
        "It cannot be undone: if you want a copy, take it first."
    )
    rows = [
        [button(_("📦 Take a copy first"), "rg:exp")],
        [button(_("Continue"), "rg:del1")],
        [button(_("Cancel"), HOME)],
    ]
    return text, _markup(rows)


def _erase_second(_: Translate) -> tuple[str, InlineKeyboardMarkup | None]:
    text = _("<b>Last step.</b> Press the button below to erase everything now.")
    rows = [[button(_("🗑 Erase everything now"), "rg:del2")], [button(_("Cancel"), HOME)]]
    return text, _markup(rows)


async def _erase(update: Update, context: Context, actor: BeneficiaryActor, _: Translate) -> None:
    now = utcnow()
    async with work(context) as session:
        erased = await rights.erase_own_data(session, actor, now)
    if erased is None:
        await _show(update, _expired(_), _markup([[button(_("⬅️ Back"), HOME)]]), edit=True)
        return
    wake_dispatcher(context)
    log.info(
        "beneficiary %s erased their data (%d rows)",
        actor.beneficiary_id,
        sum(erased.rows.values()),
    )
    await _show(
        update,
        _(
            "Done: everything is erased, and your Telegram account is no longer linked to the "
            "bot. Your counsellor has been told, without any content. Thank you for your trust. "
            "To use the bot again one day, ask your counsellor for a new invitation."
        ),
        None,
        edit=True,
    )


def _expired(_: Translate) -> str:
    return _("This confirmation has expired. Start again from /mesdonnees if you wish.")


def _withdraw_question(
    dossier: Dossier, _: Translate, locale: str, timezone: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    text = _(
        "<b>Withdraw your consent?</b>\n\n"
        "I will stop writing to you at once: no more reminders, questionnaires or follow-ups. "
        "Your counsellor will be told. Your bilan itself goes on with them.\n\n"
        "Your data is kept until you erase it (now or later, with /mesdonnees). {retention}\n\n"
        "To use the bot again later, ask your counsellor for a new invitation."
    ).format(retention=_e(retention_text(dossier, _, locale, timezone)))
    rows = [[button(_("✋ Yes, withdraw my consent"), "rg:wd1")], [button(_("Cancel"), HOME)]]
    return text, _markup(rows)


async def _withdraw(
    update: Update, context: Context, actor: BeneficiaryActor, _: Translate
) -> None:
    now = utcnow()
    async with work(context) as session:
        withdrawn = await rights.withdraw_consent(session, actor, now)
    if withdrawn is not None:
        wake_dispatcher(context)
        log.info(
            "beneficiary %s withdrew consent (%d messages cancelled)",
            actor.beneficiary_id,
            withdrawn.cancelled_messages,
        )
    await _show(
        update,
        _(
            "Your consent is withdrawn: I will not write to you any more, and your counsellor "
            "has been told.\n\nDo you also want your data erased now?"
        ),
        _markup(
            [
                [button(_("🗑 Erase my data"), "rg:del")],
                [button(_("Keep it for now"), "rg:keep")],
            ]
        ),
        edit=True,
    )


# --- handlers -----------------------------------------------------------------------------------


async def data_command(update: Update, context: Context) -> None:
    """``/mesdonnees`` (``/mydata``): the entry screen."""
    found = await _holder(update, context)
    if found is None:
        return
    actor, _, locale = found
    async with work(context) as session:
        await rights.cancel(session, actor)
        text, markup = await _home(session, actor, _, locale, _policy(context))
    await _show(update, text, markup, edit=False)


async def on_button(update: Update, context: Context) -> None:
    """Every ``rg:`` press."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    found = await _holder(update, context)
    if found is None:
        return
    actor, _, locale = found
    data = query.data
    await query.answer()
    if data == HOME or data == "rg:keep":
        async with work(context) as session:
            await rights.cancel(session, actor)
            text, markup = await _home(session, actor, _, locale, _policy(context))
        await _show(update, text, markup, edit=True)
    elif data == "rg:see":
        await _send_see(update, context, actor, _, locale)
    elif data == "rg:exp":
        await _send_export(update, context, actor, _, locale)
    elif data == "rg:del":
        async with work(context) as session:
            await rights.request_erasure(session, actor)
        await _show(update, *_erase_first(_), edit=True)
    elif data == "rg:del1":
        async with work(context) as session:
            confirmed = await rights.confirm_erasure(session, actor)
        if confirmed:
            await _show(update, *_erase_second(_), edit=True)
        else:
            await _show(update, _expired(_), _markup([[button(_("⬅️ Back"), HOME)]]), edit=True)
    elif data == "rg:del2":
        await _erase(update, context, actor, _)
    elif data == "rg:wd":
        async with work(context) as session:
            dossier = await rights.collect(session, actor, policy=_policy(context))
        if dossier.profile.status != BeneficiaryStatus.ACTIVE:
            await _show(update, _("Your consent is already withdrawn."), None, edit=True)
            return
        await _show(update, *_withdraw_question(dossier, _, locale, actor.timezone), edit=True)
    elif data == "rg:wd1":
        await _withdraw(update, context, actor, _)
    elif data == "rg:syn":
        async with work(context) as session:
            open_question = await rights.may_answer_synthesis(session, actor)
        if not open_question:
            await _show(update, _("This question is no longer open."), None, edit=True)
            return
        await _show(
            update, *await synthesis_delivery.retention_screen(context, actor, _), edit=True
        )
    elif data in ("rg:syn:y", "rg:syn:n"):
        await synthesis_delivery.record_retention_answer(
            update, context, actor, _, data.endswith(":y")
        )
    else:
        log.info("unknown rights press")


async def cancel(session: AsyncSession, actor: Actor) -> bool:
    """For ``/annuler``: forget an erasure half-way; True if one was pending."""
    return await rights.cancel(session, actor)
