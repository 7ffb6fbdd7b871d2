"""What the counsellor reads of a synthesis: where it stands, what can be done next.

Builders only: they read what storage gives them and return
:class:`~bot.kit.screens.Screen` values (HTML, every name through
:func:`~bot.kit.screens.e`); the counsellor's presses
(:mod:`.counsellor`) decide which one comes next. The buttons follow the
grammar of :mod:`.presses`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton

from bot.features.synthesis.presses import counsellor_data
from bot.i18n import Translate, format_date_long, ngettext_for, ngettext_of
from bot.keyboards import button
from bot.kit.screens import Screen, e
from dialogues.typography import shorten
from storage import synthesis
from storage.actors import CounsellorActor
from storage.models import utcnow
from storage.people import BeneficiarySummary, get_beneficiary
from storage.synthesis import Comment, Status, SynthesisState, VersionInfo

SHOWN_COMMENTS = 10

Rows = list[list[InlineKeyboardButton]]


def _origin(info: VersionInfo, _: Translate) -> str:
    return _("generated draft") if info.origin == "draft" else _("edited file you sent")


def state_lines(
    person: BeneficiarySummary, state: Status | None, _: Translate, locale: str, timezone: str
) -> list[str]:
    ngettext = ngettext_of(_)
    name = e(person.name)

    def day(moment: datetime | None) -> str:
        return format_date_long(moment, locale, timezone) if moment else "?"

    lines = ["📝 <b>" + _("Synthesis — {name}").format(name=name) + "</b>", ""]
    if state is None or (state.current is None and state.delivered_at is None):
        lines.append(
            _(
                "No draft yet. I assemble it from the dossier, the inventories, the skills "
                "portfolio and the action plan: nothing is invented, and {name}'s own words "
                "are marked as theirs."
            ).format(name=name)
        )
        if person.phase not in synthesis.DRAFTING_PHASES:
            lines.append("")
            lines.append(_("The synthesis is prepared in the conclusion phase."))
        return lines
    if state.current is not None:
        info = state.current
        lines.append(
            ngettext(
                "Version {number} ({origin}, {date}) · {pages} page",
                "Version {number} ({origin}, {date}) · {pages} pages",
                info.pages,
            ).format(
                number=info.number,
                origin=_origin(info, _),
                date=day(info.created_at),
                pages=info.pages,
            )
        )
        if info.to_write and state.state != SynthesisState.DELIVERED:
            lines.append(
                ngettext(
                    "✎ {count} passage is still marked “to write”.",
                    "✎ {count} passages are still marked “to write”.",
                    info.to_write,
                ).format(count=info.to_write)
            )
    if state.state == SynthesisState.DRAFTING:
        lines.append(_("Not shown to {name} yet.").format(name=name))
    elif state.state == SynthesisState.IN_REVIEW:
        lines.append(
            _("Shown to {name}: waiting for their comments or agreement.").format(name=name)
        )
    elif state.state == SynthesisState.AGREED:
        lines.append(
            _("{name} agreed to version {number} on {date}. You can deliver it.").format(
                name=name, number=state.agreed_version, date=day(state.agreed_at)
            )
        )
    else:
        lines.append(
            _("Delivered to {name} on {date}.").format(name=name, date=day(state.delivered_at))
        )
        if state.copy_deleted_at is not None:
            lines.append(
                _("Organisation's copy erased on {date} (no agreement to keep it).").format(
                    date=day(state.copy_deleted_at)
                )
            )
        elif state.retention_agreed:
            lines.append(
                _("{name} agreed that a copy be kept until {date}.").format(
                    name=name, date=day(state.keep_until)
                )
            )
        else:
            deadline = (state.delivered_at or utcnow()) + synthesis.ANSWER_WINDOW
            lines.append(
                _(
                    "Waiting for {name}'s answer on keeping a copy; without an answer the "
                    "copy is erased on {date}."
                ).format(name=name, date=day(deadline))
            )
    if state.comments:
        lines.append(_("💬 Comments from {name}: {count}").format(name=name, count=state.comments))
    return lines


def card_line(state: Status, _: Translate, locale: str, timezone: str) -> str:
    """One line for the person's card: where their synthesis stands, no content."""
    if state.state == SynthesisState.DELIVERED and state.delivered_at is not None:
        where = _("delivered on {date}").format(
            date=format_date_long(state.delivered_at, locale, timezone)
        )
    elif state.state == SynthesisState.AGREED:
        where = _("version {number} agreed, to deliver").format(number=state.agreed_version)
    elif state.state == SynthesisState.IN_REVIEW:
        where = _("version {number} shown, waiting for their answer").format(
            number=state.review_version
        )
    else:
        number = state.current.number if state.current else 0
        where = _("version {number} being written").format(number=number)
    return "📝 " + _("<b>Synthesis:</b> {where}").format(where=where)


def state_rows(person: BeneficiarySummary, state: Status | None, _: Translate) -> Rows:
    bid = person.id
    rows: Rows = []
    delivered = state is not None and state.state == SynthesisState.DELIVERED
    current = state.current if state is not None else None
    if not delivered and person.phase in synthesis.DRAFTING_PHASES:
        label = _("🛠 Generate a draft") if current is None else _("🔄 New draft from the data")
        rows.append([button(label, counsellor_data(bid, "g"))])
    if current is not None:
        rows.append(
            [
                button(
                    _("📥 Files of version {number} (DOCX + PDF)").format(number=current.number),
                    counsellor_data(bid, "d"),
                )
            ]
        )
    if current is not None and not delivered:
        rows.append([button(_("📤 Send back an edited version"), counsellor_data(bid, "u"))])
        if state is not None and state.state == SynthesisState.DRAFTING:
            rows.append(
                [
                    button(
                        shorten(_("👀 Show it to {name}").format(name=person.name)),
                        counsellor_data(bid, "r"),
                    )
                ]
            )
        if state is not None and state.state == SynthesisState.AGREED:
            rows.append([button(_("📨 Deliver the final version"), counsellor_data(bid, "f"))])
    if state is not None and state.comments:
        rows.append([button(_("💬 Read the comments"), counsellor_data(bid, "c"))])
    rows.append([button(_("⬅️ Back to the card"), f"c:{bid}")])
    return rows


async def synthesis_screen(
    session: AsyncSession, actor: CounsellorActor, bid: int, _: Translate, locale: str
) -> Screen:
    """``sy:<b>``: where the person's synthesis stands, and its buttons."""
    person = await get_beneficiary(session, actor, bid)
    state = await synthesis.status(session, actor, bid)
    text = "\n".join(state_lines(person, state, _, locale, actor.timezone))
    return Screen(text, state_rows(person, state, _))


def confirm_rows(label: str, bid: int, action: str, _: Translate) -> Rows:
    """Confirm ``action`` (``sy:<b>:<action>:ok``) or go back to the synthesis screen."""
    return [
        [button(label, counsellor_data(bid, action, "ok"))],
        [button(_("Cancel"), counsellor_data(bid))],
    ]


def review_question(person: BeneficiarySummary, info: VersionInfo, _: Translate) -> Screen:
    """Show a version with passages still "to write"? (``sy:<b>:r``)."""
    ngettext = ngettext_of(_)
    text = ngettext(
        "Version {number} still has {count} passage marked “to write”. Show it to {name} as it is?",
        "Version {number} still has {count} passages marked “to write”. "
        "Show it to {name} as it is?",
        info.to_write,
    ).format(number=info.number, count=info.to_write, name=e(person.name))
    return Screen(text, confirm_rows(_("👀 Show it anyway"), person.id, "r", _))


def delivery_question(
    person: BeneficiarySummary, info: VersionInfo, _: Translate, locale: str
) -> Screen:
    """Confirm the delivery; passages still "to write" are named, with how many."""
    name = e(person.name)
    ngettext = ngettext_for(locale)
    lines = []
    if info.to_write:
        lines.append(
            ngettext(
                "⚠️ Version {number} still has {count} passage marked “to write”: it is left "
                "out of the final document, which {name} keeps as it is.",
                "⚠️ Version {number} still has {count} passages marked “to write”: they are "
                "left out of the final document, which {name} keeps as it is.",
                info.to_write,
            ).format(number=info.number, count=info.to_write, name=name)
        )
        lines.append("")
    lines.append(
        _(
            "Deliver version {number} to {name} as the final synthesis? Every other version "
            "is erased. I then ask {name}, separately, whether the organisation may keep a "
            "copy for one year."
        ).format(number=info.number, name=name)
    )
    label = _("📨 Deliver it as it is") if info.to_write else _("📨 Deliver")
    return Screen("\n".join(lines), confirm_rows(label, bid=person.id, action="f", _=_))


def comments_screen(
    person: BeneficiarySummary,
    comments: list[Comment],
    _: Translate,
    locale: str,
    timezone: str,
) -> Screen:
    """``sy:<b>:c``: the person's last comments, each with its version and day."""
    lines = ["💬 <b>" + _("Comments from {name}").format(name=e(person.name)) + "</b>"]
    for comment in comments[-SHOWN_COMMENTS:]:
        when = format_date_long(comment.created_at, locale, timezone)
        lines.append("")
        lines.append(
            "<i>"
            + _("On version {number}, {date}:").format(number=comment.version, date=when)
            + "</i>"
        )
        lines.append(e(comment.text))
    if not comments:
        lines.append(_("No comment for now."))
    back = [[button(_("⬅️ Synthesis"), counsellor_data(person.id))]]
    return Screen("\n".join(lines)[:4000], back)
