"""Invitation, consent and refusals, through the real bot process and the stand-in Bot API."""

from __future__ import annotations

from tests.e2e.conftest import BOT_USERNAME, COUNSELLOR_ID
from tests.e2e.harness import BotEnvironment, BotProcess
from tests.e2e.people import invite
from tests.fakebotapi import FakeBotApi

REFUSAL = "invitées par leur conseiller·ère"


def test_invitation_consent_and_menu(api: FakeBotApi, bot: BotProcess) -> None:
    token = invite(api, "Paul Durand")
    assert len(token) <= 64

    paul = api.user(5001, "Paul", language_code="fr")
    paul.send_command("start", token)
    consent = paul.wait_for_reply()
    assert "Bonjour Paul Durand" in consent.content
    assert "Claire Martin" in consent.content
    assert "secret professionnel" in consent.content
    assert "un an au plus" in consent.content
    assert "effacer" in consent.content
    labels = [b.text for b in consent.flat_buttons]
    assert "✅ J'accepte" in labels and "Pas maintenant" in labels

    paul.press_button("English")
    english = paul.wait_for_reply(lambda m: "Hello" in m.content)
    assert english.message_id == consent.message_id  # edited in place
    assert "professional secrecy" in english.content

    paul.press_button("Français")
    paul.wait_for_reply(lambda m: "Bonjour" in m.content)
    paul.press_button("J'accepte")
    welcome = paul.wait_for_reply(lambda m: "consentement est enregistré" in m.content)
    assert any("Aide" in b.text for b in welcome.flat_buttons)

    paul.send_command("menu")
    menu = paul.wait_for_reply()
    assert menu.content.startswith("Votre menu")

    claire = api.user(COUNSELLOR_ID, "Claire")
    claire.send_command("beneficiaires")
    listing = claire.wait_for_reply()
    assert "Paul Durand — phase préliminaire" in [b.text for b in listing.flat_buttons]

    # The same link a second time, by someone else: the polite sentence, nothing more.
    stranger = api.user(6001, "Eve", language_code="fr")
    stranger.send_command("start", token)
    assert REFUSAL in stranger.wait_for_reply().content


def test_refusal_stores_nothing_and_link_stays_valid(api: FakeBotApi, bot: BotProcess) -> None:
    token = invite(api, "Inès Roux")
    ines = api.user(5002, "Inès", language_code="fr")
    ines.send_command("start", token)
    ines.wait_for_reply()
    ines.press_button("Pas maintenant")
    answer = ines.wait_for_reply(lambda m: "Rien n'a été enregistré" in m.content)
    assert "changez d'avis" in answer.content

    claire = api.user(COUNSELLOR_ID, "Claire")
    claire.send_command("beneficiaires")
    assert "Inès Roux — invité·e" in [b.text for b in claire.wait_for_reply().flat_buttons]

    ines.send_command("start", token)
    ines.wait_for_reply(lambda m: "Acceptez-vous" in m.content)
    ines.press_button("J'accepte")
    ines.wait_for_reply(lambda m: "consentement est enregistré" in m.content)


def test_the_open_consent_question_answers_whatever_is_typed(
    api: FakeBotApi, bot: BotProcess
) -> None:
    """Text, a number, a command or a bare ``/start`` bring the question back, buttons and all,
    in the language last chosen on it; the newest copy records consent."""
    token = invite(api, "Nora Petit")
    nora = api.user(5005, "Nora", language_code="fr")
    nora.send_command("start", token)
    first = nora.wait_for_reply(lambda m: "Acceptez-vous" in m.content)
    for action in (
        lambda: nora.send_text("bonjour"),
        lambda: nora.send_text("1"),
        lambda: nora.send_command("menu"),
        lambda: nora.send_command("start"),
    ):
        action()
        again = nora.wait_for_reply()
        assert "Bonjour Nora Petit" in again.content and "Acceptez-vous" in again.content
        assert REFUSAL not in again.content
        assert again.message_id != first.message_id
        labels = [b.text for b in again.flat_buttons]
        assert labels == ["✅ J'accepte", "Pas maintenant", "🇬🇧 English"], labels

    nora.press_button("English")
    nora.wait_for_reply(lambda m: "Hello Nora Petit" in m.content)
    nora.send_text("hello?")
    english = nora.wait_for_reply()
    assert "Do you agree to use this bot" in english.content
    assert "✅ I agree" in [b.text for b in english.flat_buttons]

    nora.press_button("I agree")
    nora.wait_for_reply(lambda m: "consent is recorded" in m.content)
    nora.send_command("menu")
    assert nora.wait_for_reply().content.startswith("Your menu")


def test_after_not_now_typed_text_is_a_strangers_again(api: FakeBotApi, bot: BotProcess) -> None:
    token = invite(api, "Omar Said")
    omar = api.user(5006, "Omar", language_code="fr")
    omar.send_command("start", token)
    omar.wait_for_reply(lambda m: "Acceptez-vous" in m.content)
    omar.press_button("Pas maintenant")
    omar.wait_for_reply(lambda m: "Rien n'a été enregistré" in m.content)
    omar.send_text("bonjour")
    assert REFUSAL in omar.wait_for_reply().content


def test_strangers_get_one_polite_sentence(api: FakeBotApi, bot: BotProcess) -> None:
    eve = api.user(6002, "Eve", language_code="fr")
    replies = []
    for action in (
        lambda: eve.send_command("start"),
        lambda: eve.send_command("start", "not-a-real-token-at-all-0123456789"),
        lambda: eve.send_text("Bonjour, je voudrais des informations"),
        lambda: eve.send_command("beneficiaires"),
        lambda: eve.send_sticker(),
    ):
        action()
        replies.append(eve.wait_for_reply().content)
    assert all(REFUSAL in reply for reply in replies), replies
    # The reply never reveals whether a token existed: unknown and wrong look alike.
    assert len(set(replies)) == 1

    bob = api.user(6003, "Bob", language_code="en")
    bob.send_command("start", "whatever")
    assert "invited by their bilan de compétences counsellor" in bob.wait_for_reply().content


def test_failed_starts_are_rate_limited(api: FakeBotApi, bot: BotProcess) -> None:
    token = invite(api, "Hugo Blanc")
    guesser = api.user(6004, "Mallory", language_code="fr")
    for attempt in range(5):
        guesser.send_command("start", f"wrong-token-{attempt}")
        guesser.wait_for_reply()
    # Now even the right token is not looked up for this user for a while.
    guesser.send_command("start", token)
    assert REFUSAL in guesser.wait_for_reply().content
    hugo = api.user(5003, "Hugo", language_code="fr")
    hugo.send_command("start", token)
    assert "Acceptez-vous" in hugo.wait_for_reply().content


def test_commands_registered_in_both_languages(api: FakeBotApi, bot: BotProcess) -> None:
    api.wait_for_call("setMyCommands", timeout=10)
    french = {c["command"]: c["description"] for c in api.commands(language_code="fr")}
    english = {c["command"]: c["description"] for c in api.commands(language_code="en")}
    assert french["aide"] == "Aide" and english["aide"] == "Help"
    assert set(french) == set(english) >= {"menu", "aide", "lang", "annuler"}


def test_anything_outside_a_flow_gets_the_menu(api: FakeBotApi, bot: BotProcess) -> None:
    token = invite(api, "Léa Moreau")
    lea = api.user(5004, "Léa", language_code="fr")
    lea.send_command("start", token)
    lea.wait_for_reply()
    lea.press_button("J'accepte")
    lea.wait_for_reply(lambda m: "consentement" in m.content)
    for action in (
        lambda: lea.send_sticker(),
        lambda: lea.send_photo(),
        lambda: lea.send_voice(),
        lambda: lea.send_location(),
        lambda: lea.send_text("x" * 4096),
        lambda: lea.send_text("🙂🙂🙂"),
        lambda: lea.edit_last_message("corrigé"),
    ):
        action()
        reply = lea.wait_for_reply()
        assert "Utilisez le menu" in reply.content
    lea.send_command("lang")
    lea.wait_for_reply()
    lea.press_button("English")
    assert "speak English" in lea.wait_for_reply().content
    lea.send_command("aide")
    assert "What you can do" in lea.wait_for_reply().content
    lea.send_command("cancel")
    assert "Nothing you answered is lost" in lea.wait_for_reply().content


def test_cli_invite_prints_link_then_token(api: FakeBotApi, environment: BotEnvironment) -> None:
    result = environment.cli("invite", "--counsellor", str(COUNSELLOR_ID), "--name", "Nora Petit")
    link, token = result.stdout.strip().splitlines()
    assert link == f"https://t.me/{BOT_USERNAME}?start={token}"
    unknown = environment.cli("invite", "--counsellor", "999", "--name", "X", check=False)
    assert unknown.returncode != 0
    assert unknown.stderr.strip() == "bilan-bot: no active counsellor has this Telegram id"
    assert "Traceback" not in unknown.stderr
