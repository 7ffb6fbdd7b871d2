"""The interest (short form) and work-values inventories through the real bot process."""

from __future__ import annotations

import re
import statistics
import time
import tomllib
from pathlib import Path

from tests.e2e.answering import buttons, is_question, question_of
from tests.e2e.conftest import COUNSELLOR_ID
from tests.e2e.harness import BotProcess
from tests.e2e.people import onboard
from tests.fakebotapi import BotMessage, FakeBotApi, FakeUser

# The person likes social and enterprising activities most (scale positions 0–4).
PREFERENCES = {"S": 4, "E": 3, "A": 2, "C": 1, "I": 1, "R": 0}
SHORT_FORM = Path(__file__).parents[2] / "dialogues" / "instruments" / "riasec_short.toml"


def dimensions_by_text() -> dict[str, str]:
    """Ground truth from the instrument file: which type each item's French text measures."""
    data = tomllib.loads(SHORT_FORM.read_text(encoding="utf-8"))
    return {
        " ".join(q["text"]["fr"].split()): q["dimension"]
        for section in data["sections"]
        for q in section["questions"]
    }


def open_entry(user: FakeUser, entry: str, start_label: str) -> BotMessage:
    user.send_command("menu")
    menu = user.wait_for_reply()
    user.press(menu.button(entry).data or "", menu.message_id)
    user.wait_for_reply(lambda m: start_label in str(m.reply_markup))
    user.press_button(start_label)
    return user.wait_for_reply(is_question)


def test_short_interest_form_then_values(api: FakeBotApi, bot: BotProcess) -> None:
    lea = onboard(api, "Léa Moreau", 5010)
    question = open_entry(lea, "centres d'intérêt", "version courte")
    assert "Question 1 sur" in question.content
    timings = []
    items = 0
    truth = dimensions_by_text()
    while is_question(question):
        scale = [d for d in buttons(question, "a") if d.rsplit(":", 1)[1].isdigit()]
        assert len(scale) == 5
        shown = " ".join(question_of(question).replace("\u202f", " ").replace("\xa0", " ").split())
        letter = truth[shown]
        began = time.monotonic()
        lea.press(scale[PREFERENCES[letter]], question.message_id)
        question = lea.wait_for_reply(
            lambda m: is_question(m) or "Holland" in m.content or "centres d'intérêt" in m.content
        )
        timings.append(time.monotonic() - began)
        items += 1
    assert items == 30
    result = lea.wait_for_reply(lambda m: "code Holland" in m.content or "profil" in m.content)
    assert "pas un verdict" in result.content
    assert "Votre code Holland : SEA" in result.content
    chart = lea.wait_for_reply(lambda m: m.photo is not None, timeout=30)
    assert chart.photo is not None and chart.photo.startswith(b"\x89PNG")
    following = lea.wait_for_reply(lambda m: "Et maintenant" in m.content)
    assert following.has_button("Les métiers à explorer pour mon code")
    # A new bilan is in its preliminary phase: the dossier comes next, as in the menu.
    assert following.has_button("Ensuite : Votre dossier")

    claire = api.user(COUNSELLOR_ID, "Claire")
    notice = claire.wait_for_reply(lambda m: "a terminé" in m.content, timeout=20)
    # The counsellor reads about Léa, in the third person, never Léa's own "Vos …".
    assert "Léa Moreau a terminé « Centres d'intérêt (RIASEC, version courte) »" in (
        notice.content.replace("\xa0", " ")
    )
    claire.press(notice.button("Lire").data or "", notice.message_id)
    header = claire.wait_for_reply(lambda m: "envoyé le" in m.content)
    assert re.search(r"envoyé le \d{1,2} \w+ 20\d\d à \d{1,2} h \d\d$", header.content), header
    told = claire.wait_for_reply(lambda m: "code Holland" in m.content or "profil" in m.content)
    assert "Son code Holland : SEA" in told.content
    assert not re.search(r"\b(vos|votre|vous)\b", told.content, re.IGNORECASE), told.content
    claire.wait_for_reply(lambda m: m.photo is not None, timeout=30)

    question = open_entry(lea, "valeurs", "Commencer")
    pairs = 0
    while is_question(question):
        options = [d for d in buttons(question, "a") if not d.endswith((":skip", ":unknown"))]
        assert len(options) == 2, question_of(question)
        lea.press(options[pairs % 2], question.message_id)
        question = lea.wait_for_reply(lambda m: is_question(m) or "compte" in m.content)
        pairs += 1
    assert pairs == 15
    values = lea.wait_for_reply(lambda m: "Ce qui compte pour vous" in m.content)
    assert "1." in values.content
    lea.wait_for_reply(lambda m: m.photo is not None, timeout=30)
    print(f"\nriasec short: {items} items, median {statistics.median(timings) * 1000:.0f} ms")


def test_pistes_and_transferable_skills(api: FakeBotApi, bot: BotProcess) -> None:
    """After the short form, browse job sheets for the code, then carry skills from a job."""
    hugo = onboard(api, "Hugo Blanc", 5011)
    question = open_entry(hugo, "centres d'intérêt", "version courte")
    truth = dimensions_by_text()
    while is_question(question):
        scale = [d for d in buttons(question, "a") if d.rsplit(":", 1)[1].isdigit()]
        shown = " ".join(question_of(question).replace("\u202f", " ").replace("\xa0", " ").split())
        hugo.press(scale[PREFERENCES[truth[shown]]], question.message_id)
        question = hugo.wait_for_reply(lambda m: is_question(m) or "Holland" in m.content)
    hugo.wait_for_reply(lambda m: m.photo is not None, timeout=30)

    following = hugo.wait_for_reply(lambda m: "Et maintenant" in m.content)
    hugo.press(following.button("métiers à explorer").data or "", following.message_id)
    pistes = hugo.wait_for_reply(lambda m: "Métiers à explorer pour SEA" in m.content)
    assert "Source : France Travail, ROME 4.0" in pistes.content
    sheet_button = pistes.button("Voir la fiche")
    hugo.press(sheet_button.data or "", pistes.message_id)
    sheet = hugo.wait_for_reply(lambda m: "Accès au métier" in m.content)
    assert sheet.message_id == pistes.message_id  # browsing edits one message

    hugo.send_command("competences_metier")
    hugo.wait_for_reply(lambda m: "Tapez son intitulé" in m.content or "intitulé" in m.content)
    hugo.send_text("aide soignante")
    matches = hugo.wait_for_reply(lambda m: "le plus proche" in m.content)
    hugo.press(matches.flat_buttons[0].data or "", matches.message_id)
    skills = hugo.wait_for_reply(lambda m: "Enregistrer" in str(m.reply_markup))
    first_skill = next(b for b in skills.flat_buttons if (b.data or "").startswith("m:t:"))
    hugo.press(first_skill.data or "", skills.message_id)
    ticked = hugo.wait_for_reply(lambda m: "✅" in str(m.reply_markup))
    hugo.press(ticked.button("Enregistrer").data or "", ticked.message_id)
    moves = hugo.wait_for_reply(lambda m: "Évolutions possibles" in m.content)
    assert "Source : France Travail" in moves.content
