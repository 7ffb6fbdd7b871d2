"""The counsellor's commands: invite a beneficiary; helpers shared by their screens."""

from __future__ import annotations

import html
import logging

from telegram import Update
from telegram.constants import ParseMode

from bot.handlers.onboarding import stranger_text
from bot.i18n import Translate, format_date_long
from bot.runtime import Caller, Context, identify, work
from storage.actors import CounsellorActor
from storage.models import BeneficiaryStatus, Phase
from storage.people import BeneficiarySummary, create_invitation

log = logging.getLogger(__name__)

MAX_NAME_LENGTH = 120


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


def status_label(summary: BeneficiarySummary, _: Translate) -> str:
    if summary.status == BeneficiaryStatus.INVITED:
        return _("invited")
    if summary.status == BeneficiaryStatus.WITHDRAWN:
        return _("consent withdrawn")
    return _("consent given")


def phase_label(phase: Phase, _: Translate) -> str:
    labels = {
        Phase.PRELIMINAIRE: _("preliminary phase"),
        Phase.INVESTIGATION: _("investigation phase"),
        Phase.CONCLUSION: _("conclusion phase"),
        Phase.SUIVI: _("follow-up"),
        Phase.CLOS: _("closed"),
    }
    return labels[phase]


async def counsellor_caller(
    update: Update, context: Context
) -> tuple[Caller, CounsellorActor] | None:
    caller = await identify(update, context)
    message = update.effective_message
    if caller is None or message is None:
        return None
    if caller.actor is None:
        await message.reply_text(stranger_text(caller._, caller.retired))
        return None
    if not isinstance(caller.actor, CounsellorActor):
        await message.reply_text(
            caller._("This command is for counsellors. /aide shows what you can do.")
        )
        return None
    return caller, caller.actor


async def invite(update: Update, context: Context) -> None:
    found = await counsellor_caller(update, context)
    message = update.effective_message
    if found is None or message is None:
        return
    caller, actor = found
    _ = caller._
    name = " ".join(context.args or []).strip()
    if not name:
        await message.reply_text(
            _("Give the person's name after the command, for example:\n/invite Paul Durand")
        )
        return
    if len(name) > MAX_NAME_LENGTH:
        await message.reply_text(
            _("That name is too long ({max} characters at most).").format(max=MAX_NAME_LENGTH)
        )
        return
    async with work(context) as session:
        issued = await create_invitation(session, actor, name)
    log.info("counsellor %s invited beneficiary %s", actor.counsellor_id, issued.beneficiary_id)
    link = deep_link(context.bot.username, issued.token)
    expiry = format_date_long(issued.expires_at, caller.locale, actor.timezone)
    await message.reply_text(
        _(
            "Invitation for <b>{name}</b> created.\n\n"
            "Send this link to the person (it works once, until {expiry}):\n{link}"
        ).format(name=html.escape(name), expiry=expiry, link=link),
        parse_mode=ParseMode.HTML,
        disable_web_page_preview=True,
    )
