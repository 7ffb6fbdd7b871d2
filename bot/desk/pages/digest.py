"""``GET /digest``: what changed for the counsellor's people since their last visit of this page.

The chat's digest (``storage.digest.changes_since``, worded by
``bot.features.digest.message.person_lines``) on a page with no length limit: a busy week's
digest is cut in the chat, never here. Each visit is remembered, so the next
one starts where this one ended (a week back the first time).
"""

from __future__ import annotations

import html
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response

from bot.desk.web import database, signed_in
from bot.features.digest.message import person_lines
from storage.desk_logins import last_visit
from storage.digest import changes_since
from storage.models import utcnow

FIRST_VISIT = timedelta(days=7)


async def page(request: Request) -> Response:
    visit = await signed_in(request)
    now = utcnow()
    async with database(request).transaction() as session:
        since = await last_visit(session, visit.actor, now) or now - FIRST_VISIT
        people = await changes_since(session, visit.actor, visit.actor.counsellor_id, since, now)
    changes = [
        (
            person,
            # The chat's lines are HTML-escaped for Telegram; the template escapes them again.
            [
                html.unescape(line.strip())
                for line in person_lines(person, visit.locale, visit.actor.timezone, visit._)[1:]
            ],
        )
        for person in sorted(people, key=lambda p: p.name.casefold())
    ]
    return visit.render("digest.html", since=visit.when(since), changes=changes)
