"""The dossier auto-bilan, answered end to end through the real bot process.

With a wrong answer, a go-back-and-change, a skipped optional question, a
second experience, and the bot killed (SIGKILL) and restarted in the middle;
then the counsellor reads it, and another counsellor cannot.
"""

from __future__ import annotations

import re
import statistics
import time

from dialogues.instruments import load_all
from tests.e2e.answering import (
    answer,
    answer_buttons,
    buttons,
    is_question,
    is_question_or_end,
    is_recap,
    question_of,
)
from tests.e2e.conftest import COUNSELLOR_ID, assert_clean_log, start_polling
from tests.e2e.harness import BotEnvironment, BotProcess
from tests.e2e.people import onboard
from tests.fakebotapi import FakeBotApi
from tests.pdf_text import flat as pdf_flat
from tests.pdf_text import pdf_text

OTHER_COUNSELLOR = 222
PART = re.compile(r"Partie \d+ sur 12")
COUNTER = re.compile(r"Question (\d+)(?: sur (\d+))? · ")


def test_dossier_end_to_end(api: FakeBotApi, environment: BotEnvironment) -> None:
    environment.cli("counsellor", "add", "--telegram-id", str(OTHER_COUNSELLOR), "--name", "Bruno")
    bot = BotProcess(environment).start()
    start_polling(api, bot)
    paul = onboard(api, "Paul Durand", 5001)

    paul.send_command("menu")
    menu = paul.wait_for_reply()
    paul.press(menu.button("dossier auto-bilan").data or "", menu.message_id)
    paul.wait_for_reply(lambda m: "Commencer" in str(m.reply_markup))
    paul.press_button("Commencer")
    question = paul.wait_for_reply(is_question)
    assert "Partie 1 sur 12 · " in question.content and "Question 1 · " in question.content

    # Go back and change: answer the first question, come back, see the answer, change it.
    first = question_of(question)
    paul.press(answer_buttons(question)[0], question.message_id)
    second = paul.wait_for_reply(is_question)
    paul.press(buttons(second, "b")[0], second.message_id)
    again = paul.wait_for_reply(lambda m: "Votre réponse actuelle" in m.content)
    assert question_of(again) == first
    paul.press(answer_buttons(again)[1], again.message_id)
    question = paul.wait_for_reply(is_question)

    timings: list[float] = []
    wrong_done = skipped = restarted = False
    experiences = 0
    steps = 0
    numbered: dict[str, str] = {}  # question → "Partie n sur 12 · Question k", as shown
    totals: dict[str, set[str]] = {}  # part → the "sur N" totals shown for its questions
    while not is_recap(question):
        part = PART.search(question.content)
        assert part is not None, question.content
        counter = COUNTER.search(question.content)
        if counter is not None:
            numbered[question_of(question)] = f"{part[0]}|{counter[1]}"
            if counter[2]:
                totals.setdefault(part[0], set()).add(counter[2])
        steps += 1
        assert steps < 200, "the questionnaire never ended"
        asked = question_of(question)
        if not wrong_done and "mois et une année" in question.content:
            paul.send_text("un jour peut-être")
            refused = paul.wait_for_reply(is_question)
            assert "⚠️" in refused.content and question_of(refused) == asked
            wrong_done = True
        if not skipped and any(d.endswith(":skip") for d in buttons(question, "a")):
            paul.press(
                next(d for d in buttons(question, "a") if d.endswith(":skip")), question.message_id
            )
            question = paul.wait_for_reply(is_question_or_end)
            skipped = True
            continue
        if not restarted and steps == 20:
            bot.kill()
            bot = BotProcess(environment, name="bot-after-kill").start()
            start_polling(api, bot)
            paul.send_command("reprendre")
            resumed = paul.wait_for_reply(is_question, timeout=20)
            assert question_of(resumed) == asked
            question, restarted = resumed, True
        add = "Ajouter une autre expérience" in asked and experiences == 0
        if add:
            experiences += 1
        began = time.monotonic()
        question = answer(paul, question, add_another=add)
        timings.append(time.monotonic() - began)

    assert wrong_done and skipped and restarted and experiences == 1
    recap = paul.wait_for_reply(lambda m: "Envoyer" in str(m.reply_markup))
    shown = paul.messages()
    recap_text = "\n".join(m.content for m in shown if m.message_id >= question.message_id)
    assert "Vos expériences professionnelles · expérience 2" in recap_text
    assert "Passée" in recap_text
    # No total moved under Paul's eyes, and the recap numbers questions as the screens did.
    assert all(len(shown) == 1 for shown in totals.values()), totals
    assert len(numbered) > 30
    flat = " ".join(recap_text.replace("\u202f", " ").replace("\xa0", " ").split())
    for asked, where in numbered.items():
        number = where.split("|")[1]
        text = " ".join(asked.replace("\u202f", " ").replace("\xa0", " ").split())
        assert f"{number}. {text}" in flat, (where, asked)
    assert "Partie 2 sur 12 · " in recap_text
    paul.press(next(d for d in recap.callback_data if d.endswith(":s")), recap.message_id)
    sent = paul.wait_for_reply(lambda m: "C'est envoyé" in m.content)
    assert sent.has_button("Ensuite : Mes centres d'intérêt")

    claire = api.user(COUNSELLOR_ID, "Claire")
    notice = claire.wait_for_reply(lambda m: "a terminé" in m.content, timeout=20)
    assert "Paul Durand" in notice.content
    read = notice.button("Lire").data or ""
    claire.press(read, notice.message_id)
    text = claire.wait_for_reply(lambda m: "Paul Durand" in m.content and "envoyé le" in m.content)
    assert "Situation" in text.content or "situation" in text.content
    pdf = claire.wait_for_reply(lambda m: m.document is not None, timeout=30)
    assert pdf.document is not None and pdf.document.startswith(b"%PDF")
    # Claire reads the parts named about Paul, not the "Vos …" he read.
    reading = "\n".join(
        m.content for m in claire.messages() if m.message_id >= text.message_id and m.text
    )
    assert "Partie 5 sur 12 · Expériences professionnelles · expérience 2" in reading
    assert "Partie 6 sur 12 · Compétences" in reading
    assert "Partie 7 sur 12 · Réussites" in reading
    assert not re.search(r"sur 12 · (Vos|Votre) ", reading), reading
    printed = pdf_text(pdf.document)
    assert "Expériences professionnelles · expérience 2" in printed
    assert "Réussites" in printed
    for section in load_all()["dossier_auto_bilan"].sections:
        assert pdf_flat(section.title.fr) not in printed, section.key

    bruno = api.user(OTHER_COUNSELLOR, "Bruno")
    bruno.send_command("aide")
    own = bruno.wait_for_reply()
    bruno.press(read, own.message_id)  # forged: the button is not on any of his messages
    assert "pas accessibles" in bruno.wait_for_reply().content

    print(
        f"\ndossier: {steps} steps answered, median {statistics.median(timings) * 1000:.0f} ms, "
        f"p90 {statistics.quantiles(timings, n=10)[-1] * 1000:.0f} ms per answer"
    )
    bot.stop()
    assert_clean_log(bot.log())
