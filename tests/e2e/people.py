"""Getting people into the bot the way they really arrive: invitation, then consent."""

from __future__ import annotations

import re

from tests.e2e.conftest import BOT_USERNAME, COUNSELLOR_ID
from tests.fakebotapi import FakeBotApi, FakeUser

LINK = re.compile(rf"https://t\.me/{BOT_USERNAME}\?start=([A-Za-z0-9_-]+)")


def invite(api: FakeBotApi, name: str, counsellor_id: int = COUNSELLOR_ID) -> str:
    """The counsellor's ``/invite``; returns the token of the link."""
    counsellor = api.user(counsellor_id, "Claire", language_code="fr")
    counsellor.send_command("invite", name)
    reply = counsellor.wait_for_reply(lambda m: "t.me" in m.content)
    found = LINK.search(reply.content)
    assert found, reply.content
    return found.group(1)


def onboard(api: FakeBotApi, name: str, user_id: int, language: str = "fr") -> FakeUser:
    """Invite, open the link, accept: a beneficiary at their menu."""
    token = invite(api, name)
    person = api.user(user_id, name.split()[0], language_code=language)
    person.send_command("start", token)
    person.wait_for_reply(lambda m: bool(m.flat_buttons))
    person.press_button("✅")
    person.wait_for_reply(lambda m: "consent" in m.content)
    return person
