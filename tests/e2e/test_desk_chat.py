"""The desk from the chat: "🗂 Mon bureau" and ``/bureau`` for counsellors, nobody else.

No browser here: what the chat shows once ``DESK_URL`` is an HTTPS address.
"""

from __future__ import annotations

import re

from tests.e2e.conftest import COUNSELLOR_ID, assert_clean_log, start_polling
from tests.e2e.harness import BotEnvironment, BotProcess, wait_until
from tests.e2e.people import onboard
from tests.e2e.test_desk import free_port
from tests.fakebotapi import FakeBotApi

DESK_URL = "https://bureau.example.org"


def test_only_counsellors_get_the_desk_button_and_a_link(
    api: FakeBotApi, environment: BotEnvironment
) -> None:
    environment.extra.update({"DESK_PORT": str(free_port()), "DESK_URL": DESK_URL})
    bot = BotProcess(environment).start()
    try:
        start_polling(api, bot)
        paul = onboard(api, "Paul Durand", 5001)
        claire = api.user(COUNSELLOR_ID, "Claire")

        claire.send_command("menu")
        menu = claire.wait_for_reply(lambda m: m.has_button("Mon bureau"))
        assert menu.button("Mon bureau").data == f"{DESK_URL}/"
        wait_until(lambda: api.calls("setChatMenuButton"), timeout=30)
        menu_button = api.calls("setChatMenuButton")[0].params
        assert menu_button["chat_id"] == COUNSELLOR_ID
        assert menu_button["menu_button"]["web_app"]["url"] == f"{DESK_URL}/"

        claire.send_command("bureau")
        reply = claire.wait_for_reply(lambda m: "#login=" in m.content)
        assert re.search(re.escape(DESK_URL) + r"/#login=[A-Za-z0-9_-]{20,}", reply.content)
        assert reply.has_button("Mon bureau")

        paul.send_command("menu")
        own = paul.wait_for_reply(lambda m: bool(m.flat_buttons))
        assert not own.has_button("Mon bureau")
        paul.send_command("bureau")
        refused = paul.wait_for_reply(lambda m: "conseiller" in m.content)
        assert "#login=" not in refused.content and not refused.has_button("Mon bureau")
        assert all(c.params["chat_id"] != 5001 for c in api.calls("setChatMenuButton"))
    finally:
        bot.stop()
    assert_clean_log(bot.log())
