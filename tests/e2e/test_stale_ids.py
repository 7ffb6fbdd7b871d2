"""A button naming an erased person, pressed after someone new was invited, reaches nobody.

SQLite gave the next row ``max(id) + 1``: erase the newest beneficiary, invite
another, and the new person had the erased one's id, so the counsellor's old
"card" button opened the new person's card. Ids are never reused now.
"""

from __future__ import annotations

from tests.e2e.conftest import COUNSELLOR_ID
from tests.e2e.harness import BotProcess
from tests.e2e.test_rights import _accept, _erase, _invite, _my_data
from tests.fakebotapi import FakeBotApi


def test_a_stale_card_button_does_not_open_the_next_persons_card(
    api: FakeBotApi, bot: BotProcess
) -> None:
    claire = api.user(COUNSELLOR_ID, "Claire", language_code="fr")
    first = _accept(api, _invite(api, "Paulette Effacée"), 5201)
    claire.send_command("beneficiaires")
    listing = claire.wait_for_reply(lambda m: "Effacée" in str(m.reply_markup))
    [old_card] = [b.data for b in listing.flat_buttons if "Effacée" in b.text]
    assert old_card is not None and old_card.startswith("c:")

    _erase(first, _my_data(first))
    claire.wait_for_reply(lambda m: "a effacé ses données" in m.content, timeout=20)
    _accept(api, _invite(api, "Gaston Nouveau"), 5202)
    claire.send_command("beneficiaires")
    listing = claire.wait_for_reply(lambda m: "Nouveau" in str(m.reply_markup))
    [new_card] = [b.data for b in listing.flat_buttons if "Nouveau" in b.text]
    assert new_card != old_card

    claire.press(old_card, listing.message_id)
    answer = claire.wait_for_reply(timeout=20)  # the first message sent or edited after it
    assert "Nouveau" not in answer.content
    assert answer.content == "Cette fiche ne vous est pas accessible."
