"""``/point``: what changed since the last digest, now, without waiting for it.

It reads the same changes as the periodic build and moves the same mark, so
the next digest starts from here.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from bot.features.digest.message import digest_messages
from bot.i18n import format_day_and_time
from bot.kit.commands import counsellors
from bot.runtime import Context, work
from storage.digest import changes_since, last_digest_at, mark_point
from storage.models import utcnow

FIRST_POINT_DAYS = 7
"""How far back a counsellor's first ``/point`` looks."""


async def point_command(update: Update, context: Context) -> None:
    """``/point``: as many messages as the changes take, or one line when nothing changed."""
    found = await counsellors(update, context)
    message = update.effective_message
    if found is None or message is None:
        return
    caller, me = found
    now = utcnow()
    async with work(context) as session:
        since = await last_digest_at(session, me) or now - timedelta(days=FIRST_POINT_DAYS)
        people = await changes_since(session, me, me.counsellor_id, since, now)
        if people:
            await mark_point(session, me, now)
    if not people:
        await message.reply_text(
            caller._("Nothing new since {when}.").format(
                when=format_day_and_time(since, caller.locale, me.timezone)
            )
        )
        return
    for part in digest_messages(people, since, caller.locale, me.timezone, caller._):
        await message.reply_text(part.text, reply_markup=part.keyboard)
