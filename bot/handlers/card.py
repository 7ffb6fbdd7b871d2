"""The counsellor's view: their beneficiaries, one card each, and the phase of each bilan.

Callback data: ``ben:list[:<page>]``, ``c:<id>`` (card), ``ph:<id>:<phase>[:ok]``
(move the phase, then confirm). Every id is re-checked by ``storage.cards``.
"""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.handlers import followups
from bot.handlers import synthesis as synthesis_handlers
from bot.handlers.counsellor import counsellor_caller, phase_label, status_label
from bot.i18n import N_, Translate, format_date_long, format_datetime
from bot.keyboards import button
from bot.outbox_kinds import OutgoingMessage, RenderContext, register
from bot.questionnaire.finish import READ_PREFIX
from bot.runtime import Context, database, wake_dispatcher
from dialogues.instruments import load_all
from storage import outbox
from storage.actors import AccessDenied, CounsellorActor
from storage.cards import PHASE_ORDER, Card, next_phases, open_card, set_phase
from storage.models import BeneficiaryStatus, Phase, utcnow
from storage.outbox import ClaimedMessage, Recipient
from storage.people import BeneficiarySummary, list_beneficiaries
from storage.responses import RunStatus
from storage.synthesis import Status as SynthesisStatus
from storage.synthesis import status as synthesis_status

log = logging.getLogger(__name__)

PAGE_SIZE = 8
CARD_PREFIX = "c:"
PHASE_PREFIX = "ph:"
LIST_PREFIX = "ben:list"

PHASE_CHANGED = "phase_changed"
PHASE_NOTICE = N_(
    "Your counsellor has moved your bilan on: {phase}. Your menu shows what comes next."
)


@register(PHASE_CHANGED)
async def render_phase_changed(
    context: RenderContext, row: ClaimedMessage
) -> OutgoingMessage | None:
    """Told to the beneficiary in their language at send time."""
    try:
        phase = Phase(str((row.payload or {}).get("phase")))
    except ValueError:
        return None
    _ = context._
    return OutgoingMessage(_(PHASE_NOTICE).format(phase=phase_label(phase, _)))


def attention_order(person: BeneficiarySummary) -> tuple[int, str]:
    """People whose bilan is running come first; waiting invitations and closed ones after."""
    rank = {BeneficiaryStatus.ACTIVE: 0, BeneficiaryStatus.INVITED: 1}.get(person.status, 2)
    if person.phase == Phase.CLOS:
        rank = 3
    return rank, person.name.casefold()


def list_screen(
    people: list[BeneficiarySummary], page: int, _: Translate
) -> tuple[str, InlineKeyboardMarkup]:
    people = sorted(people, key=attention_order)
    pages = max(1, (len(people) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    shown = people[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    text = _("<b>Your beneficiaries</b> ({count})").format(count=len(people))
    if pages > 1:
        text += " · " + _("page {page} of {pages}").format(page=page + 1, pages=pages)
    rows: list[list[InlineKeyboardButton]] = []
    for person in shown:
        state = status_label(person, _)
        if person.status == BeneficiaryStatus.ACTIVE:
            state = phase_label(person.phase, _)
        rows.append([button(f"{person.name} — {state}"[:60], f"{CARD_PREFIX}{person.id}")])
    nav = []
    if page > 0:
        nav.append(button("◀", f"{LIST_PREFIX}:{page - 1}"))
    if page + 1 < pages:
        nav.append(button("▶", f"{LIST_PREFIX}:{page + 1}"))
    if nav:
        rows.append(nav)
    return text, InlineKeyboardMarkup(rows)


async def beneficiaries(update: Update, context: Context) -> None:
    """``/beneficiaires`` and ``ben:list[:<page>]``."""
    found = await counsellor_caller(update, context)
    message = update.effective_message
    query = update.callback_query
    if query is not None:
        await query.answer()
    if found is None or message is None:
        return
    caller, actor = found
    _ = caller._
    async with database(context).transaction() as session:
        people = await list_beneficiaries(session, actor)
    if not people:
        await message.reply_text(
            _("You have no beneficiaries yet. Invite one with /invite First Last.")
        )
        return
    page = 0
    if query is not None and query.data and query.data.count(":") == 2:
        tail = query.data.rsplit(":", 1)[1]
        page = int(tail) if tail.isdigit() else 0
    text, keyboard = list_screen(people, page, _)
    if query is not None and query.data and query.data.startswith(f"{LIST_PREFIX}:"):
        await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
    else:
        await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)


def card_screen(
    card: Card,
    actor: CounsellorActor,
    locale: str,
    _: Translate,
    addition: followups.CardAddition | None = None,
    written: SynthesisStatus | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    person = card.person
    zone = actor.timezone
    lines = [f"<b>{html.escape(person.name)}</b>"]
    if person.status == BeneficiaryStatus.ACTIVE and person.consent_at is not None:
        lines.append(
            _("{phase} · consent given on {date}").format(
                phase=phase_label(person.phase, _).capitalize(),
                date=format_date_long(person.consent_at, locale, zone),
            )
        )
    else:
        lines.append(status_label(person, _).capitalize())
    if card.last_activity_at is not None:
        when = format_datetime(card.last_activity_at, locale, zone, "short")
        lines.append(_("Last activity: {when}").format(when=when))
    if card.unreachable_at is not None:
        lines.append(_("⚠️ No longer receives my messages (the bot may be blocked)."))
    instruments = load_all()
    rows: list[list[InlineKeyboardButton]] = []
    lines += ["", _("<b>Questionnaires</b>")]
    if not card.runs:
        lines.append(_("Nothing started yet."))
    for run in card.runs:
        instrument = instruments.get(run.instrument_key)
        title = instrument.title.get(locale) if instrument else run.instrument_key
        if run.status == RunStatus.SUBMITTED and run.submitted_at is not None:
            date = format_date_long(run.submitted_at, locale, zone)
            state = _("done on {date}").format(date=date)
            if run.code:
                state += f" · {run.code}"
            if len(rows) < 6:
                rows.append([button(f"📖 {title} — {date}"[:60], f"{READ_PREFIX}{run.id}")])
        else:
            state = _("in progress ({count} answers)").format(count=run.answers)
        lines.append(f"• {html.escape(title)} — {state}")
    if addition is not None:
        lines += followups.card_lines(addition, locale, zone, _)
    if written is not None:
        lines += ["", synthesis_handlers.card_line(written, _, locale, zone)]
    rows.append([button(_("🧰 Job, skills and pistes"), f"m:ben:{person.id}")])
    rows.append([button(_("🎒 Skills portfolio"), f"pf:c:{person.id}")])
    if person.status == BeneficiaryStatus.ACTIVE:
        rows.append([button(_("🤝 Enquêtes métiers and contacts"), f"ct:b:{person.id}")])
    if person.status == BeneficiaryStatus.ACTIVE:
        rows.append(
            [
                button(_("📅 Session"), f"s:b:{person.id}"),
                button(_("📌 Task"), f"t:b:{person.id}"),
                button(_("📓 Journal"), f"j:b:{person.id}"),
            ]
        )
    if addition is not None:
        rows += followups.card_buttons(addition, _)
    if person.phase in (Phase.CONCLUSION, Phase.SUIVI):
        rows.append([button(_("📝 Synthesis"), f"sy:{person.id}")])
    if person.status == BeneficiaryStatus.ACTIVE:
        for phase in next_phases(person.phase):
            if person.phase == Phase.CONCLUSION and phase == Phase.SUIVI:
                continue  # "Close the conclusion phase" dates it and schedules the check-ins
            forward = PHASE_ORDER.index(phase) > PHASE_ORDER.index(person.phase)
            arrow = "➡️" if forward else "⬅️"
            label = _("{arrow} Move to {phase}").format(arrow=arrow, phase=phase_label(phase, _))
            rows.append([button(label, f"{PHASE_PREFIX}{person.id}:{phase.value}")])
    rows.append([button(_("👥 My beneficiaries"), LIST_PREFIX)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def show_card(update: Update, context: Context) -> None:
    """``c:<id>``: one beneficiary's card."""
    query = update.callback_query
    found = await counsellor_caller(update, context)
    if query is None or query.data is None:
        return
    await query.answer()
    message = update.effective_message
    if found is None or message is None:
        return
    caller, actor = found
    raw = query.data.removeprefix(CARD_PREFIX)
    try:
        if not raw.isdigit():
            raise AccessDenied("malformed id")
        async with database(context).transaction() as session:
            card = await open_card(session, actor, int(raw))
            addition = await followups.load_card_addition(session, actor, int(raw))
            written = await synthesis_status(session, actor, int(raw))
    except AccessDenied:
        await message.reply_text(caller._("This card is not available to you."))
        return
    text, keyboard = card_screen(card, actor, caller.locale, caller._, addition, written)
    await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)


async def change_phase(update: Update, context: Context) -> None:
    """``ph:<id>:<phase>`` asks for confirmation; ``ph:<id>:<phase>:ok`` moves the phase."""
    query = update.callback_query
    found = await counsellor_caller(update, context)
    if query is None or query.data is None:
        return
    await query.answer()
    message = update.effective_message
    if found is None or message is None:
        return
    caller, actor = found
    _ = caller._
    parts = query.data.removeprefix(PHASE_PREFIX).split(":")
    try:
        beneficiary_id, phase = int(parts[0]), Phase(parts[1])
    except (ValueError, IndexError):
        return
    confirmed = len(parts) == 3 and parts[2] == "ok"
    try:
        async with database(context).transaction() as session:
            if not confirmed:
                card = await open_card(session, actor, beneficiary_id)
            else:
                await set_phase(session, actor, beneficiary_id, phase)
                await outbox.enqueue(
                    session,
                    kind=PHASE_CHANGED,
                    recipient=Recipient.beneficiary(beneficiary_id),
                    due_at=utcnow(),
                    dedupe_key=f"phase:{beneficiary_id}:{phase.value}:{utcnow().isoformat()}",
                    payload={"phase": phase.value},
                    beneficiary_id=beneficiary_id,
                )
                card = await open_card(session, actor, beneficiary_id)
            addition = await followups.load_card_addition(session, actor, beneficiary_id)
            written = await synthesis_status(session, actor, beneficiary_id)
    except (AccessDenied, ValueError):
        await message.reply_text(_("This change is not possible."))
        return
    if not confirmed:
        text = _("Move {name}'s bilan on: {phase}?").format(
            name=html.escape(card.person.name), phase=phase_label(phase, _)
        )
        keyboard = InlineKeyboardMarkup(
            [
                [button(_("✅ Confirm"), f"{PHASE_PREFIX}{beneficiary_id}:{phase.value}:ok")],
                [button(_("Cancel"), f"{CARD_PREFIX}{beneficiary_id}")],
            ]
        )
        await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
        return
    wake_dispatcher(context)
    log.info("counsellor %s moved beneficiary %s", actor.counsellor_id, beneficiary_id)
    text, keyboard = card_screen(card, actor, caller.locale, _, addition, written)
    await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
