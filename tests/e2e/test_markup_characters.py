"""A name and a note full of HTML's own characters, through the running bot.

Every text the bot sends is HTML, and the stand-in refuses bad HTML as
Telegram does. A person called ``Zoé <b>&amp; Cie`` who writes
``<i>x</i> & 1 < 2`` in her journal must read exactly that back, and so must
her counsellor, in the replies and in the outbox's notices: anything not
escaped on the way is either refused (a bare ``<``) or read as markup
(``&amp;`` would show as ``&``, ``<i>`` would vanish).
"""

from __future__ import annotations

from tests.e2e.conftest import COUNSELLOR_ID
from tests.e2e.harness import BotProcess
from tests.e2e.people import onboard
from tests.fakebotapi import FakeBotApi

NAME = "Zoé <b>&amp; Cie"
NOTE = "Note <b>& <i>x</i> &amp; 1 < 2 > 0 &lt;"


def test_names_and_notes_with_markup_characters_read_as_written(
    api: FakeBotApi, bot: BotProcess
) -> None:
    zoe = onboard(api, NAME, 5301)
    claire = api.user(COUNSELLOR_ID, "Claire")
    assert any(NAME in m.content for m in claire.messages()), "the invitation names her"
    shown = [event.message.content for event in api.history(5301)]
    assert any(NAME in text for text in shown), "the consent screen names her"

    zoe.send_command("journal")
    journal = zoe.wait_for_reply(lambda m: "j:new" in m.callback_data)
    zoe.press("j:new", journal.message_id)
    zoe.wait_for_reply(lambda m: "Écrivez votre note" in m.content)
    zoe.send_text(NOTE)
    saved = zoe.wait_for_reply(lambda m: "📓" in m.content)
    assert NOTE in saved.content

    claire.send_command("beneficiaires")
    listing = claire.wait_for_reply(lambda m: bool(m.flat_buttons))
    claire.press(listing.button(NAME).data or "", listing.message_id)
    card = claire.wait_for_reply(lambda m: "Questionnaires" in m.content)
    assert NAME in card.content

    # Withdrawing consent: the outbox tells the counsellor, by name.
    zoe.send_command("mesdonnees")
    screen = zoe.wait_for_reply(lambda m: "rg:wd" in m.callback_data)
    zoe.press("rg:wd", screen.message_id)
    question = zoe.wait_for_reply(lambda m: "Retirer votre consentement" in m.content)
    zoe.press("rg:wd1", question.message_id)
    zoe.wait_for_reply(lambda m: "consentement est retiré" in m.content)
    told = claire.wait_for_reply(lambda m: "retiré son consentement" in m.content, timeout=20)
    assert told.content.startswith(NAME)

    refused = [call for call in api.calls() if call.status == 400]
    assert not refused, [(call.method, call.response) for call in refused]
