"""The end of an instrument: the recap, the scored results, and telling the counsellor."""

from __future__ import annotations

import asyncio
import html
import logging
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.charts import riasec_chart_png, values_chart_png
from bot.features.questionnaire.render import OPEN_PREFIX
from bot.i18n import N_
from bot.keyboards import button
from bot.outbox_kinds import OutgoingMessage, RenderContext, register
from bot.runtime import Caller, Context, wake_dispatcher, work
from dialogues.engine import Answers, recap
from dialogues.instruments import Instrument
from dialogues.messages import label
from dialogues.results import describe_riasec, describe_values
from dialogues.scoring import RiasecResult, ValuesResult, score_riasec, score_values
from storage import followups
from storage.actors import BeneficiaryActor, SystemActor
from storage.outbox import ClaimedMessage
from storage.people import get_beneficiary
from storage.responses import (
    SUBMITTED_KIND,
    RunState,
    RunStatus,
    standing,
    submit_run,
)

log = logging.getLogger(__name__)

SCORED_KINDS = ("riasec", "values")
RIASEC_KEYS = ("riasec", "riasec_short")
PISTES = "m:pistes"
READ_PREFIX = "d:"


def recap_messages(
    instrument: Instrument, answers: Answers, locale: str, *, about: bool = False
) -> list[str]:
    """The answers by section, as HTML lines; ``about`` when the counsellor reads them, so the
    sections are named about the person ("Réussites") rather than to them ("Vos réussites")."""
    lines: list[str] = []
    parts = len(instrument.sections)
    for section in recap(instrument, answers, locale, about=about):
        title = section.heading
        if parts > 1:
            part = label("part_counter", locale, number=section.part_number, count=parts)
            title = f"{part} · {title}"
        lines.append(f"<b>{html.escape(title)}</b>")
        for item in section.items:
            question = f"{item.number}. {item.question}"
            lines.append(f"<i>{html.escape(question)}</i>\n  {html.escape(item.answer)}")
        lines.append("")
    return lines


def score(instrument: Instrument, answers: Answers) -> dict[str, Any]:
    if instrument.kind == "riasec":
        return score_riasec(instrument, answers).to_dict()
    return score_values(instrument, answers).to_dict()


def describe(kind: str, result: dict[str, Any], locale: str, about: str | None = None) -> str:
    """The result in words; ``about`` (the person's name) gives the counsellor's wording."""
    if kind == "riasec":
        return describe_riasec(RiasecResult.from_dict(result), locale, about)
    return describe_values(ValuesResult.from_dict(result), locale, about)


async def chart(kind: str, result: dict[str, Any], locale: str, about: str | None = None) -> bytes:
    """The chart, drawn in a worker thread: matplotlib is slow and blocking."""
    if kind == "riasec":
        return await asyncio.to_thread(
            riasec_chart_png, RiasecResult.from_dict(result), locale, about
        )
    return await asyncio.to_thread(values_chart_png, ValuesResult.from_dict(result), locale, about)


async def send_result(
    context: Context,
    chat_id: int,
    kind: str,
    result: dict[str, Any],
    locale: str,
    about: str | None = None,
) -> None:
    """The result and its chart; ``about`` is the person's name when their counsellor reads.

    The text comes already escaped for HTML (see :mod:`dialogues.results`)."""
    await context.bot.send_message(chat_id, describe(kind, result, locale, about))
    png = await chart(kind, result, locale, about)
    await context.bot.send_photo(chat_id, png)


async def next_step_markup(
    context: Context, actor: BeneficiaryActor, done_key: str, caller: Caller
) -> InlineKeyboardMarkup | None:
    """What to do after ``done_key``: jobs to explore after the interests, then the next
    questionnaire not sent yet, in the order the menu gives for the person's phase
    (nothing after a follow-up check-in)."""
    from bot.menu import FAMILIES, PICK_PREFIX, menu_order
    from dialogues.instruments import load_all

    _ = caller._
    rows = []
    if done_key in RIASEC_KEYS:
        rows.append([button(_("🔭 Jobs to explore for my code"), PISTES)])
    families = [f for f in FAMILIES if done_key in f.instruments]
    if not families:
        return InlineKeyboardMarkup(rows) if rows else None
    async with work(context) as session:
        me = await standing(session, actor)
    sent = {r.instrument_key for r in me.runs if r.status == RunStatus.SUBMITTED} | {done_key}
    instruments = load_all()
    order = menu_order(me.phase)
    for entry in sorted(FAMILIES, key=lambda f: order.index(f.key) if f.key in order else 99):
        if any(key in sent for key in entry.instruments):
            continue
        first = instruments.get(entry.instruments[0])
        if first is None:
            continue
        data = OPEN_PREFIX + first.key if len(entry.instruments) == 1 else PICK_PREFIX + entry.key
        title = first.title.get(caller.locale) if len(entry.instruments) == 1 else _(entry.label)
        label_text = _("➡️ Next: {title}").format(title=title)
        rows.append([button(label_text, data)])
        break
    return InlineKeyboardMarkup(rows) if rows else None


async def finish_scored(
    context: Context,
    caller: Caller,
    actor: BeneficiaryActor,
    instrument: Instrument,
    run: RunState,
) -> None:
    """Score, keep the result with the run, show it with its chart, tell the counsellor."""
    result = score(instrument, run.answers)
    async with work(context) as session:
        await submit_run(session, actor, run.id, result=result)
        await notify_submission(session, actor, run.id, instrument.key)
    wake_dispatcher(context)
    log.info("run %s scored and submitted", run.id)
    await send_result(context, actor.telegram_id, instrument.kind, result, caller.locale)
    markup = await next_step_markup(context, actor, instrument.key, caller)
    if markup is not None:
        await context.bot.send_message(
            actor.telegram_id, caller._("What next?"), reply_markup=markup
        )


async def notify_submission(
    session: Any, actor: BeneficiaryActor, run_id: int, instrument_key: str
) -> None:
    """What a submission also sets off, in its own transaction: a follow-up check-in's.

    The counsellor's notice is queued by :func:`storage.responses.submit_run` itself.
    """
    if instrument_key == followups.INSTRUMENT_KEY:
        await followups.on_checkin_submitted(session, actor, run_id)


SUBMITTED_TEXT = N_("{name} has completed “{title}”. The answers are one tap away.")


@register(SUBMITTED_KIND)
async def render_submitted(context: RenderContext, row: ClaimedMessage) -> OutgoingMessage | None:
    from dialogues.instruments import load_all

    payload = row.payload or {}
    instrument = load_all().get(str(payload.get("instrument")))
    if instrument is None or row.beneficiary_id is None:
        return None
    async with context.db.transaction() as session:
        person = await get_beneficiary(session, SystemActor("outbox"), row.beneficiary_id)
    _ = context._
    text = _(SUBMITTED_TEXT).format(
        name=html.escape(person.name), title=html.escape(instrument.title_about(context.locale))
    )
    keyboard = InlineKeyboardMarkup(
        [[button(_("📖 Read"), f"{READ_PREFIX}{int(payload['run_id'])}")]]
    )
    return OutgoingMessage(text, keyboard=keyboard)
