"""A patient test user who answers whatever question the bot shows, as a person would.

It reads only what Telegram would show: the message text, the button labels
and the callback data of the buttons it presses.
"""

from __future__ import annotations

import re

from tests.fakebotapi import BotMessage, FakeUser

TYPED_TEXT = "Une réponse écrite pour le test, assez longue pour être acceptée."
BOUNDS = re.compile(r"entre (\d[\d  ]*) et (\d[\d  ]*)")


def is_question(message: BotMessage) -> bool:
    return "▱" in message.content or "▰" in message.content


def is_recap(message: BotMessage) -> bool:
    return "vérifiez-les" in message.content


def is_question_or_end(message: BotMessage) -> bool:
    return is_question(message) or is_recap(message)


def question_of(message: BotMessage) -> str:
    """The bold question line, which identifies what is asked."""
    entities = [e for e in message.raw.get("entities", []) if e["type"] == "bold"]
    if len(entities) < 2:
        return message.content
    text = message.content.encode("utf-16-le")
    bold = entities[1]
    return text[bold["offset"] * 2 : (bold["offset"] + bold["length"]) * 2].decode("utf-16-le")


def buttons(message: BotMessage, action: str) -> list[str]:
    """Callback data of the question's buttons for ``action`` (a, t, v, o, b)."""
    found = []
    for data in message.callback_data:
        parts = data.split(":")
        if len(parts) >= 4 and parts[0] == "q" and parts[3] == action:
            found.append(data)
    return found


def answer_buttons(message: BotMessage) -> list[str]:
    return [d for d in buttons(message, "a") if not d.endswith((":skip", ":unknown"))]


def typed_answer(content: str) -> str:
    """What a person types for the question whose text is ``content``."""
    if "Tapez un nombre" in content or "Tapez une année" in content:
        return "2015"
    if "mois et une année" in content:
        return "03/2019"
    if "Tapez une date" in content:
        return "12/03/2027"
    return TYPED_TEXT


def answer(user: FakeUser, message: BotMessage, add_another: bool = False) -> BotMessage:
    """Answer the question ``message`` shows; return the next question (or the recap)."""
    if "Ajouter" in question_of(message) or "add another" in question_of(message).lower():
        choice = ":yes" if add_another else ":no"
        user.press(
            next(d for d in answer_buttons(message) if d.endswith(choice)), message.message_id
        )
    elif buttons(message, "v"):
        user.press(buttons(message, "t")[0], message.message_id)
        ticked = user.wait_for_reply(lambda m: "✅" in str(m.reply_markup))
        user.press(buttons(ticked, "v")[0], ticked.message_id)
    elif answer_buttons(message):
        options = answer_buttons(message)
        scale = [d for d in options if d.rsplit(":", 1)[1].isdigit()]
        user.press(scale[len(scale) // 2] if scale else options[0], message.message_id)
    else:
        user.send_text(typed_answer(message.content))
        reply = user.wait_for_reply(is_question_or_end)
        bounds = BOUNDS.search(reply.content)
        if "⚠️" in reply.content and bounds:
            user.send_text(bounds.group(1).replace(" ", "").replace(" ", ""))
            return user.wait_for_reply(is_question_or_end)
        return reply
    return user.wait_for_reply(is_question_or_end)
