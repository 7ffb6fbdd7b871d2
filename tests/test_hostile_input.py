"""Hostile input: random updates from strangers and wrong people into the RUNNING bot.

Hypothesis makes the updates: texts up to 4,096 characters with control
characters and right-to-left marks, commands known and unknown with random
arguments, callback data up to 64 bytes (random, or real buttons of other
people's chats, or their ids changed), presses on messages that do not
exist, photos, stickers, voice notes, documents and locations without text,
edited messages. They come from a stranger, from a beneficiary of another
counsellor, and from that other counsellor. Two victims, with distinctive
names and answers, live in the same database.

After every example, once the bot has handled it:

- no update ended in the error handler ("error while handling update");
- Telegram refused nothing the bot sent for being malformed: the stand-in
  answers 400 to over-long texts, bad HTML and callback data over 64 bytes
  (the only 400s allowed are the ones a forged message id provokes, which
  the bot handles: "message to edit not found", "not modified"…);
- no attacker's chat ever shows a victim's name or answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.answering import answer, answer_buttons, buttons, is_question
from tests.e2e.conftest import BOT_USERNAME, COUNSELLOR_ID, TOKEN, start_polling
from tests.e2e.harness import BotEnvironment, BotProcess
from tests.e2e.people import onboard
from tests.fakebotapi import Action, FakeBotApi, FakeUser

OTHER_COUNSELLOR = 222
STRANGER = 8001
EVE = 8002  # a beneficiary of the other counsellor
VICTIMS = {7001: "Zéphyrine Quasimodo", 7002: "Barnabé Ornithorynque"}
SECRETS = ("Zéphyrine", "Quasimodo", "Barnabé", "Ornithorynque", "SECRET-")
# 400s that answer a forged or stale message reference, which the bot catches.
HANDLED_400 = (
    "message is not modified",
    "message to edit not found",
    "message can't be edited",
    "there is no text in the message to edit",
    "message to delete not found",
    "MESSAGE_ID_INVALID",
    "message to be replied not found",
)
COMMANDS = (
    "start", "menu", "reprendre", "aide", "help", "lang", "settings", "reglages", "annuler",
    "cancel", "invite", "beneficiaires", "metiers", "competences_metier", "journal", "plan",
    "export", "effacer", "suivi", "digest", "xyz", "start@bilan_test_bot",
)  # fmt: skip
PREFIXES = (
    "q:", "q:open:", "q:pick:", "q:mine:", "d:", "c:", "ph:", "ben:list:", "m:", "m:ben:",
    "lang:", "consent:", "help", "dg:", "fu:", "fu:go:", "j:", "pl:", "pl:c:", "",
)  # fmt: skip
SPECIAL = "\u200f\u202e\u200e\u2066\u2069\u0000\u0007\u001b\t\n\r<>&\"'/@#*_`~|\\😀é"


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi(token=TOKEN, bot_username=BOT_USERNAME) as server:
        yield server


@pytest.fixture
def environment(
    api: FakeBotApi, database_url: str, encryption_key: str, tmp_path: Path
) -> BotEnvironment:
    env = BotEnvironment(database_url, encryption_key, TOKEN, api.base_url, tmp_path)
    env.extra["LOG_LEVEL"] = "INFO"
    env.cli("db", "upgrade")
    env.cli("counsellor", "add", "--telegram-id", str(COUNSELLOR_ID), "--name", "Claire Martin")
    env.cli("counsellor", "add", "--telegram-id", str(OTHER_COUNSELLOR), "--name", "Bruno Petit")
    return env


# Any character Telegram can carry: UTF-8 JSON has no lone surrogates, and a
# stand-in server asked to send one fails every getUpdates after it.
DELIVERABLE = st.characters(exclude_categories=("Cs",))


def texts(max_size: int = 4096) -> st.SearchStrategy[str]:
    plain = st.text(alphabet=DELIVERABLE, min_size=1, max_size=max_size)
    spiced = st.text(
        alphabet=st.one_of(st.sampled_from(SPECIAL), DELIVERABLE), min_size=1, max_size=64
    )
    return st.one_of(spiced, plain, st.sampled_from(["", " ", "\u200f", "0", "-1", "9" * 30]))


def fits_64_bytes(data: str) -> bool:
    return 0 < len(data.encode("utf-8")) <= 64


@dataclass
class Seen:
    """Callback data shown to the victims, their counsellor and Eve: the best forgeries."""

    data: list[str]


def callback_data(seen: Seen) -> st.SearchStrategy[str]:
    numbers = st.integers(min_value=-2, max_value=40).map(str)
    forged = st.builds(
        lambda prefix, parts: prefix + ":".join(parts),
        st.sampled_from(PREFIXES),
        st.lists(st.one_of(numbers, st.sampled_from(["a", "b", "t", "v", "o", "s", "e", "p"])),
                 max_size=5),
    )  # fmt: skip
    real = st.sampled_from(seen.data) if seen.data else forged
    mutated = st.builds(
        lambda data, n: "".join(str(n) if c.isdigit() else c for c in data), real, numbers
    )
    any_text = st.text(alphabet=DELIVERABLE, min_size=1, max_size=64)
    return st.one_of(real, mutated, forged, any_text).filter(fits_64_bytes)


def actions(seen: Seen) -> st.SearchStrategy[Callable[[FakeUser, list[int]], Action]]:
    """What an attacker does: a function of (attacker, their chat's message ids)."""

    def text(value: str) -> Callable[[FakeUser, list[int]], Action]:
        return lambda user, _: user.send_text(value or ".")

    def command(name: str, args: str) -> Callable[[FakeUser, list[int]], Action]:
        return lambda user, _: user.send_command(name, args.replace("\n", " ")[:200])

    def press(data: str, pick: int) -> Callable[[FakeUser, list[int]], Action]:
        def act(user: FakeUser, ids: list[int]) -> Action:
            message_id = ids[pick % len(ids)] if ids and pick >= 0 else abs(pick) + 10_000
            return user.press(data, message_id)

        return act

    def edit(value: str) -> Callable[[FakeUser, list[int]], Action]:
        def act(user: FakeUser, _: list[int]) -> Action:
            try:
                return user.edit_last_message(value or ".")
            except LookupError:
                return user.send_text(value or ".")

        return act

    media: list[Callable[[FakeUser, list[int]], Action]] = [
        lambda user, _: user.send_photo(),
        lambda user, _: user.send_sticker(),
        lambda user, _: user.send_voice(),
        lambda user, _: user.send_location(),
        lambda user, _: user.send_document(b"%PDF-1.4 nothing", "cv.pdf", "application/pdf"),
        lambda user, _: user.send_photo(caption="/start " + "x" * 20),
    ]
    return st.one_of(
        st.builds(text, texts()),
        st.builds(command, st.sampled_from(COMMANDS), texts(max_size=80)),
        st.builds(press, callback_data(seen), st.integers(min_value=-3, max_value=30)),
        st.builds(edit, texts(max_size=200)),
        st.sampled_from(media),
    )


def seed_victim(api: FakeBotApi, user_id: int, name: str) -> FakeUser:
    """A beneficiary of Claire who has answered part of the dossier, with telling answers."""
    victim = onboard(api, name, user_id)
    victim.send_command("menu")
    menu = victim.wait_for_reply(lambda m: m.has_button("dossier"))
    victim.press(menu.button("dossier").data or "", menu.message_id)
    victim.wait_for_reply(lambda m: "Commencer" in str(m.reply_markup))
    victim.press_button("Commencer")
    question = victim.wait_for_reply(is_question)
    typed = 0
    while typed < 3:
        if answer_buttons(question) or buttons(question, "v") or "Tapez" in question.content:
            question = answer(victim, question)
            continue
        victim.send_text(f"SECRET-{user_id}: {name}, quinze ans chez Dupont & Fils à Lyon.")
        question = victim.wait_for_reply(is_question)
        typed += 1
    return victim


def test_random_updates_break_nothing_and_leak_nothing(
    api: FakeBotApi, environment: BotEnvironment
) -> None:
    bot = BotProcess(environment).start()
    start_polling(api, bot)
    for uid, name in VICTIMS.items():
        seed_victim(api, uid, name)
    claire = api.user(COUNSELLOR_ID, "Claire")
    claire.send_command("beneficiaires")
    listing = claire.wait_for_reply(lambda m: bool(m.flat_buttons))
    claire.press(listing.callback_data[0], listing.message_id)
    claire.wait_for_reply(lambda m: m.message_id != listing.message_id or m.edited)
    # The secrets are there to be leaked: Claire's own chat shows them.
    assert any("Quasimodo" in m.content for m in claire.messages())

    # Eve is a beneficiary of the other counsellor: invited by Bruno himself.
    bruno = api.user(OTHER_COUNSELLOR, "Bruno")
    bruno.send_command("invite", "Eve Martin")
    link = bruno.wait_for_reply(lambda m: "start=" in m.content).content
    token = link.split("start=", 1)[1].split()[0]
    eve = api.user(EVE, "Eve")
    eve.send_command("start", token)
    eve.wait_for_reply(lambda m: bool(m.flat_buttons))
    eve.press_button("✅")
    eve.wait_for_reply(lambda m: "consent" in m.content)
    # Eve is in the middle of her dossier: what she types goes through its parser.
    eve.send_command("menu")
    menu = eve.wait_for_reply(lambda m: m.has_button("dossier"))
    eve.press(menu.button("dossier").data or "", menu.message_id)
    eve.wait_for_reply(lambda m: "Commencer" in str(m.reply_markup))
    eve.press_button("Commencer")
    question = eve.wait_for_reply(is_question)
    for _ in range(3):
        question = answer(eve, question)
    attackers = [api.user(STRANGER, "Mallory"), eve, bruno]
    probe = api.user(COUNSELLOR_ID, "Claire")

    seen = Seen(
        sorted(
            {
                data
                for chat in [*VICTIMS, COUNSELLOR_ID, EVE]
                for message in api.messages(chat)
                for data in message.callback_data
            }
        )
    )
    assert seen.data
    checked = {"calls": len(api.calls()), "log": len(bot.log()), "examples": 0}

    def settle() -> None:
        """Wait until the bot has handled everything sent so far (it handles in order)."""
        action = probe.send_command("aide")
        api.wait_for_reply(COUNSELLOR_ID, after=action, timeout=30)

    @settings(
        max_examples=80,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(who=st.integers(min_value=0, max_value=2), act=actions(seen))
    def one_update(who: int, act: Callable[[FakeUser, list[int]], Action]) -> None:
        attacker = attackers[who]
        ids = [m.message_id for m in attacker.messages()]
        act(attacker, ids)
        settle()
        checked["examples"] += 1
        log = bot.log()
        new_log = log[checked["log"] :]
        checked["log"] = len(log)
        assert "error while handling update" not in new_log, new_log[-3000:]
        assert bot.running(), new_log[-3000:]
        calls = api.calls()
        refused = [
            (c.method, c.response)
            for c in calls[checked["calls"] :]
            if c.status == 400 and not any(reason in str(c.response) for reason in HANDLED_400)
        ]
        checked["calls"] = len(calls)
        assert not refused, refused
        for chat in (STRANGER, EVE, OTHER_COUNSELLOR):
            for event in api.history(chat):
                shown = event.message.content + str(event.message.reply_markup)
                leaked = [s for s in SECRETS if s in shown]
                assert not leaked, f"chat {chat} shows {leaked}: {shown[:200]!r}"
                document = event.message.document or b""
                assert not any(s.encode() in document for s in SECRETS)

    one_update()
    bot.stop()
    log = bot.log()
    for marker in ("error while handling update", "Task was destroyed", "RuntimeError"):
        assert marker not in log, log[-3000:]
    handled = sum(1 for c in api.calls() if c.status == 400)
    replies = sum(len(api.history(chat)) for chat in (STRANGER, EVE, OTHER_COUNSELLOR))
    print(
        f"\nhostile input: {checked['examples']} random updates, {replies} bot messages to the "
        f"attackers, {handled} handled 400s (forged message ids); nothing broke or leaked"
    )
