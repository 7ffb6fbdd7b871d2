"""Who waits on their counsellor: found by reason, only among the counsellor's own people,
and put first in the list the counsellor reads."""

from __future__ import annotations

import html
from datetime import timedelta

from bot.features.card.lists import list_screen, matching
from bot.i18n import gettext_for
from storage.db import Database
from storage.models import utcnow
from storage.people import accept_invitation, create_invitation, list_beneficiaries
from storage.plans import add_step
from storage.sessions import SessionMode, request_move, schedule_session
from storage.waiting import Waiting, waiting_on
from tests.storage.conftest import World


async def test_people_waiting_come_first_with_their_reason(db: Database, world: World) -> None:
    now = utcnow()
    earlier = now - timedelta(days=2)
    async with db.transaction() as session:
        names = ["Zoé Abadie", "Anne Bernard", "Éloïse Martin", "Yann Le Gall"]
        people = {}
        for index, name in enumerate(names):
            issued = await create_invitation(session, world.a, name)
            people[name] = await accept_invitation(session, issued.token, 7000 + index, "fr")
        zoe, eloise = people["Zoé Abadie"], people["Éloïse Martin"]
        assert zoe is not None and eloise is not None
        coming = await schedule_session(
            session,
            world.a,
            zoe.beneficiary_id,
            now + timedelta(days=3),
            60,
            SessionMode.PHONE,
            None,
        )
        await request_move(session, zoe, coming.id)
        await add_step(session, eloise, eloise.beneficiary_id, "Appeler la mairie", now.date())
        await schedule_session(
            session,
            world.a,
            world.paul.beneficiary_id,
            earlier,
            60,
            SessionMode.PHONE,
            None,
            now=earlier - timedelta(days=1),
        )
        # Bruno's beneficiary asks to move too: never in Claire's list.
        lea_session = await schedule_session(
            session,
            world.b,
            world.lea.beneficiary_id,
            now + timedelta(days=1),
            60,
            SessionMode.PHONE,
            None,
        )
        await request_move(session, world.lea, lea_session.id)
    async with db.transaction() as session:
        waiting = await waiting_on(session, world.a)
        listed = await list_beneficiaries(session, world.a)
    assert waiting == {
        zoe.beneficiary_id: [Waiting.MOVE],
        eloise.beneficiary_id: [Waiting.STEP],
        world.paul.beneficiary_id: [Waiting.CLOSE],
    }
    screen = list_screen(listed, 0, "fr", gettext_for("fr"), waiting)
    labels = [b.text for row in screen.rows for b in row]
    assert labels[:3] == [
        "💡 Éloïse Martin — phase préliminaire",
        "⏳ Paul Durand — phase préliminaire",
        "🔁 Zoé Abadie — phase préliminaire",
    ]
    shown = html.unescape(screen.text)
    assert "3 personnes attendent quelque chose de vous" in shown
    assert "🔁 demande à décaler une séance · 💡 propose une étape du plan · ⏳" in shown
    assert "💬" not in shown and "📝" not in shown  # only the marks on the page explained
    assert "🔎 Chercher par nom" in labels
    assert [p.name for p in matching(listed, "eloise")] == ["Éloïse Martin"]
    assert [p.name for p in matching(listed, "LE GALL")] == ["Yann Le Gall"]
    assert [p.name for p in matching(listed, "gall yann")] == ["Yann Le Gall"]
    assert matching(listed, "Léa") == []
