"""The counsellor's card and phases through the real bot; another counsellor reaches nothing."""

from __future__ import annotations

from tests.e2e.conftest import COUNSELLOR_ID
from tests.e2e.harness import BotEnvironment, BotProcess
from tests.e2e.people import onboard
from tests.fakebotapi import FakeBotApi

OTHER = 222


def test_card_phase_and_forged_presses(
    api: FakeBotApi, environment: BotEnvironment, bot: BotProcess
) -> None:
    environment.cli("counsellor", "add", "--telegram-id", str(OTHER), "--name", "Bruno Petit")
    paul = onboard(api, "Paul Durand", 5001)
    claire = api.user(COUNSELLOR_ID, "Claire")
    claire.send_command("beneficiaires")
    listing = claire.wait_for_reply()
    card_data = listing.button("Paul Durand").data or ""
    claire.press(card_data, listing.message_id)
    card = claire.wait_for_reply(lambda m: "Questionnaires" in m.content)
    assert "Phase préliminaire · consentement donné le" in card.content
    assert "Rien de commencé" in card.content
    claire.press(card.button("Passer en phase d'investigation").data or "", card.message_id)
    confirm = claire.wait_for_reply(lambda m: "Faire évoluer" in m.content)
    claire.press(confirm.button("Confirmer").data or "", confirm.message_id)
    moved = claire.wait_for_reply(lambda m: "Phase d'investigation" in m.content)
    labels = [b.text for b in moved.flat_buttons]
    assert "⬅️ Revenir à la phase préliminaire" in labels
    assert "➡️ Passer en phase de conclusion" in labels
    told = paul.wait_for_reply(lambda m: "fait évoluer votre bilan" in m.content, timeout=20)
    assert "phase d'investigation" in told.content

    # Bruno forges Claire's buttons on his own chat: nothing of Paul's comes back.
    bruno = api.user(OTHER, "Bruno")
    bruno.send_command("beneficiaires")
    own = bruno.wait_for_reply()
    assert "Paul" not in own.content
    for forged in (card_data, card_data.replace("c:", "ph:") + ":conclusion:ok", "m:ben:1"):
        press = bruno.press(forged, own.message_id)
        answer = bruno.callback_answer(press)
        # Refused out loud, never silently: an alert on the button, or a message.
        said = answer.text or bruno.wait_for_reply(after=press).content
        assert "Paul" not in said and "Durand" not in said, forged
    paul.send_command("menu")
    assert paul.wait_for_reply().content.startswith("Votre menu")


def test_blocked_bot_is_told_to_the_counsellor_and_held_until_return(
    api: FakeBotApi, bot: BotProcess
) -> None:
    paul = onboard(api, "Paul Durand", 5002)
    paul.block()
    claire = api.user(COUNSELLOR_ID, "Claire")
    claire.send_command("beneficiaires")
    listing = claire.wait_for_reply()
    claire.press(listing.button("Paul Durand").data or "", listing.message_id)
    card = claire.wait_for_reply(lambda m: "Questionnaires" in m.content)
    claire.press(card.button("Passer en phase d'investigation").data or "", card.message_id)
    confirm = claire.wait_for_reply(lambda m: "Faire évoluer" in m.content)
    claire.press(confirm.button("Confirmer").data or "", confirm.message_id)
    notice = claire.wait_for_reply(lambda m: "ne reçoit plus" in m.content, timeout=30)
    assert "Paul Durand" in notice.content
    assert not any("fait évoluer" in m.content for m in paul.messages())

    paul.send_command("start")  # writing to the bot again unblocks it, as on Telegram
    held = paul.wait_for_reply(lambda m: "fait évoluer votre bilan" in m.content, timeout=90)
    assert "phase d'investigation" in held.content


def test_a_deactivated_counsellor_is_told_so_not_greeted_as_a_stranger(
    api: FakeBotApi, environment: BotEnvironment, bot: BotProcess
) -> None:
    claire = api.user(COUNSELLOR_ID, "Claire")
    claire.send_command("beneficiaires")
    assert "bénéficiaire" in claire.wait_for_reply().content
    environment.cli("counsellor", "deactivate", "--telegram-id", str(COUNSELLOR_ID))
    for command in ("beneficiaires", "start", "aide"):
        sent = claire.send_command(command)
        reply = claire.wait_for_reply(after=sent)
        assert "compte de conseiller·ère n'est plus actif" in reply.content, command
        assert "administrat" in reply.content
        assert "lien d'invitation" not in reply.content
    stranger = api.user(999, "Inconnu")
    stranger.send_command("start")
    assert "lien d'invitation" in stranger.wait_for_reply().content


def test_finding_a_person_by_a_typed_name(api: FakeBotApi, bot: BotProcess) -> None:
    onboard(api, "Léa Roux", 5003)
    onboard(api, "Paul Durand", 5004)
    claire = api.user(COUNSELLOR_ID, "Claire")
    claire.send_command("beneficiaires", "lea")
    found = claire.wait_for_reply(lambda m: "Recherche" in m.content)
    assert "« lea » : 1 personne trouvée" in found.content
    names = [b.text for b in found.flat_buttons if (b.data or "").startswith("c:")]
    assert names == ["Léa Roux — phase préliminaire"]

    claire.press(found.button("Chercher encore").data or "", found.message_id)
    claire.wait_for_reply(lambda m: "Tapez le nom" in m.content)
    claire.send_text("DURAND")
    found = claire.wait_for_reply(lambda m: "Recherche" in m.content)
    names = [b.text for b in found.flat_buttons if (b.data or "").startswith("c:")]
    assert names == ["Paul Durand — phase préliminaire"]
    claire.press(found.button("Paul Durand").data or "", found.message_id)
    claire.wait_for_reply(lambda m: "Questionnaires" in m.content)

    claire.send_command("beneficiaires", "Zoé")
    none = claire.wait_for_reply()
    assert "Personne parmi vos bénéficiaires ne s'appelle « Zoé »" in none.content
    claire.send_text("Léa")  # no search waits: the text goes where it always went
    assert "Recherche" not in claire.wait_for_reply().content
