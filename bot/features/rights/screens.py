"""What the rights screens read: the entry, what is kept, the erasure's steps, the withdrawal.

HTML (:class:`bot.kit.screens.Screen`); stored text goes in through
:func:`bot.kit.screens.e`. The plain-text sentences on retention, accesses
and parts are the copy's own (:mod:`bot.export.sentences`), so the screen
and the PDF say the same.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton

from bot.export import access_text, part_title, retention_text
from bot.i18n import Translate, format_date_long, ngettext_of
from bot.keyboards import button
from bot.kit.screens import Screen, ask_once, e
from bot.replies import chunk_lines
from dialogues.instruments import load_all
from storage import rights
from storage.actors import BeneficiaryActor
from storage.models import BeneficiaryStatus
from storage.rights import Dossier, Record, RetentionPolicy

HOME = "rg:home"
ACCESSES_SHOWN = 12


def back_row(_: Translate) -> list[list[InlineKeyboardButton]]:
    return [[button(_("⬅️ Back"), HOME)]]


async def home_screen(
    session: AsyncSession,
    actor: BeneficiaryActor,
    _: Translate,
    locale: str,
    policy: RetentionPolicy,
) -> Screen:
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
                retention=e(retention_text(dossier, _, locale, actor.timezone)),
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
    return Screen("\n".join(lines), rows)


def instrument_line(record: Record, _: Translate, locale: str, timezone: str) -> str:
    ngettext = ngettext_of(_)
    instrument = load_all().get(record.label)
    title = e(instrument.title.get(locale) if instrument else record.label)
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
    lines += [instrument_line(r, _, locale, timezone) for r in runs] or [_("• none yet")]
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
        lines += ["", "<b>" + e(part_title(kind, _)) + "</b>", summary]
    lines += [
        "",
        "<b>" + _("Where") + "</b>",
        _(
            "In the bot's database on your bilan provider's server, encrypted. Only you and "
            "your counsellor, {name}, can read it; nobody else, not even whoever runs the server."
        ).format(name=e(dossier.counsellor_name)),
        "",
        "<b>" + _("Until when") + "</b>",
        e(retention_text(dossier, _, locale, timezone)),
        "",
        "<b>" + _("Who opened it") + "</b>",
    ]
    if not dossier.accesses:
        lines.append(_("Nobody but you has opened your data."))
    for access in dossier.accesses[:ACCESSES_SHOWN]:
        lines.append("• " + e(access_text(access, _, locale, timezone)))
    if len(dossier.accesses) > ACCESSES_SHOWN:
        lines.append(
            ngettext(
                "(and {count} earlier: it is listed in your copy)",
                "(and {count} earlier: all are listed in your copy)",
                len(dossier.accesses) - ACCESSES_SHOWN,
            ).format(count=len(dossier.accesses) - ACCESSES_SHOWN)
        )
    return lines


def see_screens(dossier: Dossier, _: Translate, locale: str, timezone: str) -> list[Screen]:
    """What is kept, in messages short enough to send; the last one goes back home."""
    chunks = chunk_lines(see_lines(dossier, _, locale, timezone))
    return [
        Screen(chunk, back_row(_) if index == len(chunks) - 1 else [])
        for index, chunk in enumerate(chunks)
    ]


def erase_first(_: Translate) -> Screen:
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
    return Screen(text, rows)


def erase_second(_: Translate) -> Screen:
    return ask_once(
        _("<b>Last step.</b> Press the button below to erase everything now."),
        button(_("🗑 Erase everything now"), "rg:del2"),
        button(_("Cancel"), HOME),
    )


def expired(_: Translate) -> Screen:
    return Screen(
        _("This confirmation has expired. Start again from /mesdonnees if you wish."), back_row(_)
    )


def erased(_: Translate) -> Screen:
    return Screen(
        _(
            "Done: everything is erased, and your Telegram account is no longer linked to the "
            "bot. Your counsellor has been told, without any content. Thank you for your trust. "
            "To use the bot again one day, ask your counsellor for a new invitation."
        )
    )


def withdraw_question(dossier: Dossier, _: Translate, locale: str, timezone: str) -> Screen:
    text = _(
        "<b>Withdraw your consent?</b>\n\n"
        "I will stop writing to you at once: no more reminders, questionnaires or follow-ups. "
        "Your counsellor will be told. Your bilan itself goes on with them.\n\n"
        "Your data is kept until you erase it (now or later, with /mesdonnees). {retention}\n\n"
        "To use the bot again later, ask your counsellor for a new invitation."
    ).format(retention=e(retention_text(dossier, _, locale, timezone)))
    rows = [[button(_("✋ Yes, withdraw my consent"), "rg:wd1")], [button(_("Cancel"), HOME)]]
    return Screen(text, rows)


def withdrawn(_: Translate) -> Screen:
    return Screen(
        _(
            "Your consent is withdrawn: I will not write to you any more, and your counsellor "
            "has been told.\n\nDo you also want your data erased now?"
        ),
        [
            [button(_("🗑 Erase my data"), "rg:del")],
            [button(_("Keep it for now"), "rg:keep")],
        ],
    )
