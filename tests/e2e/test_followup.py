"""From conclusion to the 3-month follow-up check-in, through the real bot process.

The counsellor moves a beneficiary through the phases, writes the project and
an action plan (one step proposed by the beneficiary and agreed), and closes
the conclusion phase. With the follow-up delay shortened for the test
(``FOLLOWUP_DELAY_SECONDS``), the 3-month check-in arrives; the beneficiary
tells each step of their plan, resumes after ``/reprendre``, answers, asks to
talk and sends. The counsellor gets the alert and reads the answers; another
counsellor's commands and forged buttons reach none of it.
"""

from __future__ import annotations

import re

from tests.e2e.conftest import COUNSELLOR_ID, assert_clean_log, start_polling
from tests.e2e.harness import BotEnvironment, BotProcess
from tests.e2e.people import onboard
from tests.fakebotapi import BotMessage, FakeBotApi, FakeUser

OTHER = 222
MAIN = "Technicien de maintenance en énergies renouvelables"
ALTERNATIVE = "Électricien du bâtiment"
STEP_TRAINING = "Suivre la formation de technicien éolien"
STEP_MEET = "Rencontrer deux techniciens"
STEP_VISIT = "Visiter un parc éolien"
PRIVATE = ("Paul", "Durand", "Technicien", "Électricien", "éolien", "techniciens")


def tap(user: FakeUser, message: BotMessage, label: str, expect: str = "") -> BotMessage:
    """Press the button labelled like ``label`` on ``message``; return the bot's answer.

    ``expect``: a text the answer holds, so that a scheduled message arriving
    meanwhile is not taken for it.
    """
    user.press(message.button(label).data or "", message.message_id)
    return user.wait_for_reply(lambda m: expect in m.content)


def ids(message: BotMessage, prefix: str) -> list[int]:
    pattern = re.compile(re.escape(prefix) + r"(\d+)")
    return [int(m.group(1)) for d in message.callback_data if (m := pattern.match(d))]


def move_phase(claire: FakeUser, card: BotMessage, label: str, shown: str) -> BotMessage:
    confirm = tap(claire, card, label, "Faire évoluer le bilan")
    claire.press(confirm.button("Confirmer").data or "", confirm.message_id)
    return claire.wait_for_reply(lambda m: shown in m.content)


def type_into(user: FakeUser, text: str, expect: str) -> BotMessage:
    user.send_text(text)
    return user.wait_for_reply(lambda m: expect in m.content)


def test_conclusion_plan_and_followup(api: FakeBotApi, environment: BotEnvironment) -> None:
    environment.extra.update({"FOLLOWUP_MONTHS": "3", "FOLLOWUP_DELAY_SECONDS": "2"})
    environment.cli("counsellor", "add", "--telegram-id", str(OTHER), "--name", "Bruno Petit")
    bot = BotProcess(environment).start()
    start_polling(api, bot)
    paul = onboard(api, "Paul Durand", 5001)
    claire = api.user(COUNSELLOR_ID, "Claire")

    # Through the phases to the conclusion.
    claire.send_command("beneficiaires")
    listing = claire.wait_for_reply()
    card_data = listing.button("Paul Durand").data or ""
    paul_id = int(card_data.removeprefix("c:"))
    claire.press(card_data, listing.message_id)
    card = claire.wait_for_reply(lambda m: "Questionnaires" in m.content)
    assert not card.has_button("Projet et plan d'action")
    card = move_phase(claire, card, "Passer en phase d'investigation", "Phase d'investigation")
    card = move_phase(claire, card, "Passer en phase de conclusion", "Phase de conclusion")
    assert card.has_button("Clore la phase de conclusion")

    # The counsellor writes the project and the plan.
    plan = tap(claire, card, "Projet et plan d'action")
    assert "Projet principal :" in plan.content and "pas encore écrit" in plan.content
    tap(claire, plan, "Projet principal")
    plan = type_into(claire, MAIN, "Plan d'action")
    assert MAIN in plan.content
    tap(claire, plan, "Projet alternatif")
    plan = type_into(claire, ALTERNATIVE, "Plan d'action")
    assert ALTERNATIVE in plan.content
    tap(claire, plan, "Ajouter une étape")
    type_into(claire, STEP_TRAINING, "Pour quand")
    refused = type_into(claire, "bientôt", "date")
    assert "Pour quand" not in refused.content  # the reason, not the question again
    assert "passée" in type_into(claire, "01/01/2020", "passée").content
    plan = type_into(claire, "30 novembre 2030", "Plan d'action")
    assert f"{STEP_TRAINING} — pour le 30 novembre 2030" in plan.content
    tap(claire, plan, "Ajouter une étape")
    type_into(claire, STEP_MEET, "Pour quand")
    plan = type_into(claire, "03/2030", "Plan d'action")
    assert f"1. {STEP_MEET} — pour le 31 mars 2030" in plan.content

    # The beneficiary's menu puts the plan first; they tick a step (and change their
    # mind), and propose one.
    paul.send_command("menu")
    menu = paul.wait_for_reply(lambda m: m.content.startswith("Votre menu"))
    assert menu.flat_buttons[0].text == "📝 Mon plan d'action"
    mine = tap(paul, menu, "Mon plan d'action", "Mon projet professionnel")
    assert MAIN in mine.content and STEP_MEET in mine.content
    mine = tap(paul, mine, f"Faite : 1. {STEP_MEET}", "Mon projet")
    assert f"✅ 1. {STEP_MEET}" in mine.content
    mine = tap(paul, mine, "Finalement pas faite", "Mon projet")
    assert f"⬜ 1. {STEP_MEET}" in mine.content
    mine = tap(paul, mine, f"Faite : 1. {STEP_MEET}", "Mon projet")
    tap(paul, mine, "Proposer une étape", "Écrivez l'étape")
    type_into(paul, STEP_VISIT, "Pour quand")
    paul.send_text("15/06/2030")
    paul.wait_for_reply(lambda m: "proposé" in m.content)
    proposal = claire.wait_for_reply(
        lambda m: "propose une nouvelle étape" in m.content, timeout=20
    )
    plan = tap(claire, proposal, "Projet et plan d'action", "Plan d'action")
    assert f"💡 2. {STEP_VISIT}" in plan.content
    plan = tap(claire, plan, f"Accepter 2. {STEP_VISIT}", "Plan d'action")
    assert f"⬜ 2. {STEP_VISIT}" in plan.content
    step_ids = ids(plan, "pl:r:")
    assert len(step_ids) == 3

    # Back to the card, and the conclusion.
    card = tap(claire, plan, "Retour à la fiche", "Questionnaires")
    assert "Étapes faites : 1 sur 3" in card.content
    assert "Projet principal : écrit · alternatif : écrit" in card.content
    confirm = tap(claire, card, "Clore la phase de conclusion")
    assert "3 mois" in confirm.content
    claire.press(confirm.button("Confirmer").data or "", confirm.message_id)
    done = claire.wait_for_reply(lambda m: "est conclu" in m.content)
    assert "Point de suivi à 3 mois" in done.content
    paul.wait_for_reply(lambda m: "a clos la phase de conclusion" in m.content, timeout=20)
    paul.send_command("menu")
    menu = paul.wait_for_reply(lambda m: m.content.startswith("Votre menu"))
    assert [b.text for b in menu.flat_buttons[:2]] == ["🔁 Mon suivi", "📝 Mon plan d'action"]
    assert "Point de suivi à 3 mois" in tap(paul, menu, "Mon suivi", "Mon suivi").content

    # The check-in arrives (due 3 × 2 s after the conclusion here).
    invite = paul.wait_for_reply(lambda m: "Il y a 3 mois" in m.content, timeout=30)
    checkin_id = ids(invite, "fu:go:")[0]
    step = tap(paul, invite, "Répondre", "étape 1 sur 3")  # after the introduction
    assert STEP_MEET in step.content and "Où en êtes-vous" in step.content
    note = tap(paul, step, "Fait", "Un mot à ajouter")
    assert "Un mot à ajouter" in note.content
    step = type_into(paul, "Deux rencontres très utiles", "étape 2 sur 3")
    assert STEP_VISIT in step.content

    # Resuming after /reprendre: the same step again.
    paul.send_command("reprendre")
    step = paul.wait_for_reply(lambda m: "étape 2 sur 3" in m.content)
    note = tap(paul, step, "En cours", "Un mot")
    step = tap(paul, note, "Continuer", "étape 3 sur 3")
    assert "étape 3 sur 3" in step.content and STEP_TRAINING in step.content
    back = tap(paul, step, "Précédent", "étape 2 sur 3")
    assert (
        "étape 2 sur 3" in back.content and "Votre réponse actuelle : 🔄 En cours" in back.content
    )
    step = tap(paul, tap(paul, back, "En cours", "Un mot"), "Continuer", "étape 3 sur 3")
    note = tap(paul, step, "Pas commencé", "Un mot")
    note_data = note.button("Continuer").data or ""
    paul.press(note_data, note.message_id)
    question = paul.wait_for_reply(lambda m: "Quelle est votre situation" in m.content)
    summary = "\n".join(m.content for m in paul.messages() if "merci" in m.content)
    assert f"{STEP_MEET} — ✅ Fait" in summary and "Deux rencontres très utiles" in summary

    # The questions of the instrument, then the recap and sending.
    question = tap(paul, question, "Dans un nouveau poste", "obstacles")
    assert "obstacles" in question.content
    paul.send_text("Le financement de la formation a pris du temps.")
    question = paul.wait_for_reply(lambda m: "Souhaitez-vous échanger" in m.content)
    question = tap(paul, question, "Oui", "satisfait")
    assert "satisfait" in question.content
    paul.press(next(d for d in question.callback_data if d.endswith(":a:3")), question.message_id)
    recap = paul.wait_for_reply(lambda m: "Envoyer" in str(m.reply_markup))
    paul.press(next(d for d in recap.callback_data if d.endswith(":s")), recap.message_id)
    paul.wait_for_reply(lambda m: "C'est envoyé" in m.content)

    # The counsellor: the answers at once, and the wish to talk.
    alert = claire.wait_for_reply(lambda m: "souhaite échanger" in m.content, timeout=20)
    assert "Paul Durand" in alert.content and "3 mois" in alert.content
    assert "nouveau poste" not in alert.content  # the alert carries no answer
    run_id = ids(alert, "d:")[0]
    claire.press(f"d:{run_id}", alert.message_id)
    read = claire.wait_for_reply(lambda m: "envoyé le" in m.content and "Paul Durand" in m.content)
    answers = "\n".join(
        m.content for m in claire.messages() if m.message_id >= read.message_id and m.text
    )
    assert "Dans un nouveau poste" in answers and "Oui" in answers
    assert "Partie 1 sur 4 · Situation aujourd" in answers  # named about Paul, for Claire
    assert not re.search(r"sur 4 · (Vos|Votre|Ce qui vous) ", answers), answers
    assert f"{STEP_MEET} — ✅ Fait" in answers and f"{STEP_TRAINING} — ⏸ Pas commencé" in answers
    claire.send_command("beneficiaires")
    listing = claire.wait_for_reply(lambda m: "Paul Durand" in str(m.reply_markup))
    card = tap(claire, listing, "Paul Durand", "Questionnaires")
    assert "Point de suivi à 3 mois : envoyé le" in card.content
    assert "Bilan conclu le" in card.content

    # The digest lists the change, without the answers themselves.
    claire.send_command("point")
    digest = claire.wait_for_reply(lambda m: "Votre point" in m.content)
    assert "Paul Durand" in digest.content and "suivi à 3 mois envoyé" in digest.content
    assert "terminé : " in digest.content
    assert not any(word in digest.content for word in PRIVATE[2:])  # the plan stays behind
    # A second point right after says so, with the time of the first: nothing is repeated.
    again = claire.send_command("point")
    quiet = claire.wait_for_reply(after=again)
    assert re.search(
        r"Rien de nouveau depuis le \d{1,2} \w+ 20\d\d à \d{1,2} h \d\d\.", quiet.content
    ), quiet.content

    # Another counsellor reaches nothing, whatever he sends.
    bruno = api.user(OTHER, "Bruno")
    bruno.send_command("beneficiaires")
    own = bruno.wait_for_reply()
    assert "Paul" not in own.content
    forged = [
        f"c:{paul_id}",
        f"pl:c:{paul_id}",
        f"pl:m:{paul_id}",
        f"pl:s:{paul_id}",
        f"pl:r:{step_ids[0]}:ok",
        f"pl:v:{step_ids[1]}",
        f"pl:d:{step_ids[0]}:0",
        f"fu:end:{paul_id}:ok",
        f"fu:go:{checkin_id}",
        f"d:{run_id}",
    ]
    for data in forged:
        press = bruno.press(data, own.message_id)
        said = bruno.callback_answer(press).text or bruno.wait_for_reply(after=press).content
        assert not any(word in said for word in PRIVATE), data
    bruno.send_text("Projet pirate")
    assert "pirate" not in bruno.wait_for_reply().content
    # Nothing of Paul's plan moved.
    claire.press(f"pl:c:{paul_id}", card.message_id)
    plan = claire.wait_for_reply(lambda m: "Plan d'action" in m.content)
    assert MAIN in plan.content and "pirate" not in plan.content
    assert len(ids(plan, "pl:r:")) == 3

    # Nor does the beneficiary reach the counsellor's side.
    for data in (f"pl:c:{paul_id}", f"pl:r:{step_ids[0]}:ok", f"fu:end:{paul_id}:ok"):
        press = paul.press(data, invite.message_id)
        said = paul.callback_answer(press).text or paul.wait_for_reply(after=press).content
        assert "Plan d'action" not in said
    paul.send_command("plan")
    mine = paul.wait_for_reply(lambda m: "Mon projet professionnel" in m.content)
    assert mine.content.count("pour le") == 3

    bot.stop()
    assert_clean_log(bot.log())
