"""The stand-in Bot API, checked against python-telegram-bot itself.

If PTB parses what the stand-in answers into proper objects, and raises the
same exceptions it raises against Telegram, then the bot's end-to-end tests
run against something PTB cannot tell from the real service.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import socket
import threading
import time
import warnings
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    MessageEntity,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)
from telegram.request import HTTPXRequest

from tests.fakebotapi import Button, ControlClient, FakeBotApi, png_bytes
from tests.fakebotapi.control_client import ControlError
from tests.fakebotapi.entities import format_text

TOKEN = "123456:TEST-TOKEN"
PAUL = 1001


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi(token=TOKEN, bot_username="bilan_test_bot") as server:
        yield server


def make_bot(api: FakeBotApi, read_timeout: float = 5.0, token: str = TOKEN) -> Bot:
    return Bot(
        token,
        base_url=api.base_url,
        base_file_url=api.base_file_url,
        request=HTTPXRequest(read_timeout=read_timeout, connect_timeout=2.0),
        get_updates_request=HTTPXRequest(read_timeout=read_timeout, connect_timeout=2.0),
    )


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with make_bot(api) as client:
        yield client


def seconds(retry_after: Any) -> float:
    return (
        retry_after.total_seconds()
        if isinstance(retry_after, dtm.timedelta)
        else float(retry_after)
    )


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data)] for text, data in pairs]
    )


# --- shapes PTB must accept ---------------------------------------------------------------


async def test_get_me_has_every_field_ptb_needs(api: FakeBotApi, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == 123456
    assert me.is_bot is True
    assert me.username == "bilan_test_bot"
    assert me.can_join_groups is True
    assert me.can_read_all_group_messages is False
    assert me.supports_inline_queries is False
    assert me.api_kwargs == {}  # nothing PTB does not know about
    assert bot.username == "bilan_test_bot"


async def test_sent_message_is_complete_and_echoes_the_keyboard(api: FakeBotApi, bot: Bot) -> None:
    api.user(PAUL, first_name="Paul")
    before = time.time()
    sent = await bot.send_message(PAUL, "Prêt ?", reply_markup=keyboard(("Oui", "q1:yes")))
    assert sent.from_user is not None and sent.from_user.id == bot.id and sent.from_user.is_bot
    assert sent.chat.id == PAUL and sent.chat.type == "private" and sent.chat.first_name == "Paul"
    assert abs(sent.date.timestamp() - before) < 5
    assert sent.text == "Prêt ?"
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "q1:yes"
    assert sent.api_kwargs == {}

    stored = api.last_message(PAUL)
    assert stored is not None and stored.message_id == sent.message_id
    assert stored.buttons == ((Button("Oui", "q1:yes"),),)

    api.user(PAUL).send_text("oui")  # the user's message takes the next id of the chat
    second = await bot.send_message(PAUL, "Suite")
    assert second.message_id == sent.message_id + 2


async def test_html_becomes_plain_text_with_entities(api: FakeBotApi, bot: Bot) -> None:
    api.user(PAUL)
    sent = await bot.send_message(
        PAUL, "  <b>Étape 1</b> &amp; <i>suite</i> 👋 /aide  ", parse_mode=ParseMode.HTML
    )
    assert sent.text == "Étape 1 & suite 👋 /aide"
    parsed = sent.parse_entities()
    assert [(e.type, text) for e, text in parsed.items()] == [
        (MessageEntity.BOLD, "Étape 1"),
        (MessageEntity.ITALIC, "suite"),
        (MessageEntity.BOT_COMMAND, "/aide"),  # offset counted in UTF-16 past the emoji
    ]


_VISIBLE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1
)


@settings(max_examples=150, deadline=None)
@given(before=_VISIBLE, inside=_VISIBLE, after=_VISIBLE)
def test_html_offsets_are_the_utf16_offsets_ptb_decodes(
    before: str, inside: str, after: str
) -> None:
    markup = f"{html.escape(before)}<b>{html.escape(inside)}</b>{html.escape(after)}"
    formatted = format_text(markup, "HTML", None)
    assert formatted.text == before + inside + after
    message = Message.de_json(
        {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 1, "type": "private", "first_name": "P"},
            "text": formatted.text,
            "entities": formatted.entities,
        },
        None,
    )
    assert message is not None
    assert list(message.parse_entities([MessageEntity.BOLD]).values()) == [inside]


@pytest.mark.parametrize(
    ("markup", "reason"),
    [
        ("a < b", 'unsupported start tag "" at byte offset 2'),
        ("<b>gras", "can't find end tag corresponding to start tag b"),
        ("<b>x</i>", 'unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<script>x</script>", 'unsupported start tag "script"'),
    ],
)
async def test_bad_html_is_refused_like_telegram(
    api: FakeBotApi, bot: Bot, markup: str, reason: str
) -> None:
    api.user(PAUL)
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(PAUL, markup, parse_mode=ParseMode.HTML)
    assert caught.value.message.lower().startswith("can't parse entities: ")
    assert reason in caught.value.message.lower()
    assert api.messages(PAUL) == []


async def test_markdown_v2_requires_escaping(api: FakeBotApi, bot: Bot) -> None:
    api.user(PAUL)
    with pytest.raises(BadRequest, match=r"(?i)character '\.' is reserved"):
        await bot.send_message(PAUL, "Merci.", parse_mode=ParseMode.MARKDOWN_V2)
    sent = await bot.send_message(PAUL, r"*Merci*\.", parse_mode=ParseMode.MARKDOWN_V2)
    assert sent.text == "Merci."
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 5)]


async def test_text_and_button_limits(api: FakeBotApi, bot: Bot) -> None:
    api.user(PAUL)
    await bot.send_message(PAUL, "x" * 4096)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(PAUL, "x" * 4097)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(PAUL, " \n ")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "personne")
    await bot.send_message(PAUL, "64 octets", reply_markup=keyboard(("é", "é" * 32)))
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(PAUL, "66 octets", reply_markup=keyboard(("é", "é" * 33)))
    assert len(api.messages(PAUL)) == 2


async def test_edits_apply_to_the_current_state_and_the_history(api: FakeBotApi, bot: Bot) -> None:
    api.user(PAUL)
    sent = await bot.send_message(PAUL, "Question 1", reply_markup=keyboard(("A", "a")))
    edited = await bot.edit_message_text(
        "Question 1 ✓", chat_id=PAUL, message_id=sent.message_id, reply_markup=keyboard(("B", "b"))
    )
    assert not isinstance(edited, bool)
    assert edited.edit_date is not None and edited.text == "Question 1 ✓"

    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "Question 1 ✓", PAUL, sent.message_id, reply_markup=keyboard(("B", "b"))
        )
    await bot.edit_message_reply_markup(PAUL, sent.message_id, reply_markup=None)

    (current,) = api.messages(PAUL)
    assert current.text == "Question 1 ✓" and current.edited and current.buttons == ()
    assert [e.kind for e in api.history(PAUL)] == ["sent", "edited", "edited"]
    assert api.history(PAUL)[0].message.text == "Question 1"  # snapshots do not change

    await bot.delete_message(PAUL, sent.message_id)
    assert api.messages(PAUL) == []
    assert api.history(PAUL)[-1].kind == "deleted"
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(PAUL, sent.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", PAUL, sent.message_id)


async def test_photo_upload_is_stored_and_downloadable(api: FakeBotApi, bot: Bot) -> None:
    api.user(PAUL)
    image = png_bytes(640, 480)
    sent = await bot.send_photo(PAUL, image, caption="<b>Profil</b>", parse_mode=ParseMode.HTML)
    largest = sent.photo[-1]
    assert (largest.width, largest.height, largest.file_size) == (640, 480, len(image))
    assert sent.photo[0].width == 90 and sent.caption == "Profil"
    assert sent.caption_entities[0].type == MessageEntity.BOLD

    assert api.last_message(PAUL) is not None
    assert api.last_message(PAUL).photo == image  # type: ignore[union-attr]
    assert api.uploaded_files(PAUL)[0].data == image
    file = await bot.get_file(largest.file_id)
    assert bytes(await file.download_as_bytearray()) == image

    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(PAUL, b"not an image at all")


async def test_document_upload_keeps_name_and_type(api: FakeBotApi, bot: Bot) -> None:
    api.user(PAUL)
    pdf = b"%PDF-1.4 synthese de test"
    sent = await bot.send_document(PAUL, InputFile(pdf, filename="synthese.pdf"))
    assert sent.document is not None
    assert sent.document.file_name == "synthese.pdf"
    assert sent.document.mime_type == "application/pdf"
    assert sent.document.file_size == len(pdf)
    stored = api.last_message(PAUL)
    assert stored is not None and stored.document == pdf and stored.file_name == "synthese.pdf"
    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == pdf


async def test_reply_keyboard_and_chat_action_and_commands(api: FakeBotApi, bot: Bot) -> None:
    api.user(PAUL)
    await bot.send_message(PAUL, "Langue ?", reply_markup=ReplyKeyboardMarkup([["Français"]]))
    assert api.reply_keyboard(PAUL) == [["Français"]]
    assert await bot.send_chat_action(PAUL, "typing") is True
    assert api.chat_actions(PAUL) == ["typing"]
    await bot.set_my_commands([("start", "Commencer"), ("aide", "Aide")], language_code="fr")
    assert [c.command for c in await bot.get_my_commands(language_code="fr")] == ["start", "aide"]
    assert await bot.get_my_commands() == ()
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([("Start", "majuscule")])
    assert await bot.set_chat_menu_button(PAUL) is True
    assert await bot.delete_my_commands(language_code="fr") is True


# --- updates ------------------------------------------------------------------------------


async def test_command_and_button_press_arrive_as_proper_updates(api: FakeBotApi, bot: Bot) -> None:
    paul = api.user(PAUL, first_name="Paul", language_code="fr")
    command = paul.send_command("start", "invit-42")
    (update,) = await bot.get_updates(timeout=0)
    assert isinstance(update, Update) and update.update_id == command.update_id
    message = update.message
    assert message is not None and message.text == "/start invit-42"
    assert message.entities[0].type == MessageEntity.BOT_COMMAND
    assert (message.entities[0].offset, message.entities[0].length) == (0, 6)
    assert message.from_user is not None and message.from_user.language_code == "fr"
    assert message.chat.type == "private" and message.chat.id == PAUL

    question = await bot.send_message(PAUL, "Prêt ?", reply_markup=keyboard(("Oui", "q1:yes")))
    press = paul.press_button("Oui")
    (update,) = await bot.get_updates(offset=update.update_id + 1, timeout=0)
    query = update.callback_query
    assert query is not None and query.data == "q1:yes" and query.chat_instance
    assert query.message is not None and query.message.message_id == question.message_id

    assert await query.answer("Noté") is True
    assert paul.callback_answer(press).text == "Noté"
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer("encore")

    forged = paul.press("q9:admin", message_id=999)  # no such message: InaccessibleMessage
    (update,) = await bot.get_updates(offset=update.update_id + 1, timeout=0)
    assert update.callback_query is not None and update.callback_query.data == "q9:admin"
    assert update.callback_query.message is not None
    assert update.callback_query.message.date.timestamp() == 0
    assert forged.message_id == 999

    await bot.get_updates(offset=update.update_id + 1, timeout=0)
    assert api.pending_updates() == []


async def test_other_user_inputs_parse(api: FakeBotApi, bot: Bot) -> None:
    paul = api.user(PAUL)
    paul.send_text("bonjour")
    paul.edit_last_message("bonsoir")
    paul.send_photo(caption="moi")
    paul.send_document(b"cv", "cv.txt", "text/plain")
    paul.send_voice(3)
    paul.send_sticker()
    paul.send_location(45.76, 4.83)
    updates = await bot.get_updates(timeout=0)
    assert updates[1].edited_message is not None
    assert updates[1].edited_message.text == "bonsoir"
    assert updates[2].message is not None and updates[2].message.photo[-1].width == 64
    assert updates[3].message is not None and updates[3].message.document is not None
    voice_file = await bot.get_file(updates[4].message.voice.file_id)  # type: ignore[union-attr]
    assert (await voice_file.download_as_bytearray()).startswith(b"OggS")
    assert updates[5].message is not None and updates[5].message.sticker is not None
    assert updates[6].message is not None and updates[6].message.location is not None
    assert all(u.api_kwargs == {} for u in updates)


async def test_long_poll_wakes_as_soon_as_the_user_acts(api: FakeBotApi, bot: Bot) -> None:
    paul = api.user(PAUL)
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    paul.send_text("coucou")
    updates = await poll
    assert [u.message.text for u in updates if u.message] == ["coucou"]
    assert time.monotonic() - started < 0.5

    started = time.monotonic()
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=1) == ()
    assert 0.9 < time.monotonic() - started < 2


async def test_a_competing_poll_gets_a_conflict(api: FakeBotApi, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=3))
    await asyncio.sleep(0.2)
    second = asyncio.create_task(bot.get_updates(timeout=0))
    with pytest.raises(Conflict):
        await first
    assert await second == ()


# --- faults -------------------------------------------------------------------------------


async def test_injected_faults_raise_ptb_exceptions(api: FakeBotApi) -> None:
    api.user(PAUL)
    async with make_bot(api, read_timeout=0.3) as bot:
        api.fail_next(1, "429", "sendMessage", retry_after=3)
        with pytest.raises(RetryAfter) as limited, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            await bot.send_message(PAUL, "a")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert seconds(limited.value.retry_after) == 3

        api.fail_next(1, "403")
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(PAUL, "b")
        api.fail_next(1, "500")
        with pytest.raises(NetworkError) as server_error:
            await bot.send_message(PAUL, "c")
        assert not isinstance(server_error.value, BadRequest | TimedOut)
        api.fail_next(1, "502")
        with pytest.raises(NetworkError):
            await bot.send_message(PAUL, "d")
        api.fail_next(1, "disconnect")
        with pytest.raises(NetworkError):
            await bot.send_message(PAUL, "e")
        api.fail_next(1, "timeout", delay_s=2)
        with pytest.raises(TimedOut):
            await bot.send_message(PAUL, "f")
        assert api.messages(PAUL) == []

        api.fail_next(1, "timeout", delay_s=2, performed=True)
        with pytest.raises(TimedOut):
            await bot.send_message(PAUL, "sent, answer lost")
        assert [m.text for m in api.messages(PAUL)] == ["sent, answer lost"]

        await bot.send_message(PAUL, "g")  # every fault is used up
    faulted = [c.fault for c in api.calls("sendMessage")]
    assert faulted == ["429", "403", "500", "502", "disconnect", "timeout", "timeout", None]


async def test_blocked_user_gets_403_until_unblocked(api: FakeBotApi, bot: Bot) -> None:
    paul = api.user(PAUL)
    api.block_user(PAUL)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(PAUL, "rappel")
    (update,) = await bot.get_updates(timeout=0)
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"
    paul.send_command("start")  # writing again unblocks, as Telegram's Restart button does
    await bot.send_message(PAUL, "re-bonjour")


async def test_outage_refuses_connections_then_resumes_on_the_same_port(
    api: FakeBotApi, bot: Bot
) -> None:
    api.user(PAUL)
    port = api.port
    await bot.send_message(PAUL, "avant")
    await asyncio.to_thread(api.stop_accepting)
    with pytest.raises(NetworkError):
        await bot.send_message(PAUL, "pendant")
    await asyncio.to_thread(api.resume)
    assert api.port == port
    await bot.send_message(PAUL, "après")
    assert [m.text for m in api.messages(PAUL)] == ["avant", "après"]


async def test_rate_limit_answers_429_beyond_the_budget(api: FakeBotApi, bot: Bot) -> None:
    api.user(PAUL)
    api.set_rate_limit(per_second=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB's own retry_after deprecation notice
        results = await asyncio.gather(
            *(bot.send_message(PAUL, f"n°{i}") for i in range(8)), return_exceptions=True
        )
    assert sum(isinstance(r, RetryAfter) for r in results) == 3
    assert len(api.messages(PAUL)) == 5


async def test_wrong_token_and_unknown_method(api: FakeBotApi, bot: Bot) -> None:
    stranger = make_bot(api, token="999:WRONG")
    try:
        with pytest.raises(InvalidToken):
            await stranger.initialize()
    finally:
        await stranger.shutdown()
    assert [call.status for call in api.calls("getMe")] == [200, 401]
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy")


# --- reading helpers ------------------------------------------------------------------------


async def test_wait_for_reply_only_sees_what_follows_the_action(api: FakeBotApi, bot: Bot) -> None:
    paul = api.user(PAUL)
    await bot.send_message(PAUL, "ancien")
    action = paul.send_text("salut")
    with pytest.raises(TimeoutError, match="sent or edited nothing"):
        await api.wait_for_reply_async(PAUL, after=action, timeout=0.2)

    async def later() -> None:
        await asyncio.sleep(0.1)
        await bot.send_message(PAUL, "brouillon")
        await bot.send_message(PAUL, "Question 1")

    task = asyncio.create_task(later())
    reply = await paul.wait_for_reply_async(lambda m: m.content.startswith("Question"))
    await task
    assert reply.text == "Question 1"
    assert [m.text for m in api.replies(PAUL, after=action)] == ["brouillon", "Question 1"]
    call = await api.wait_for_call_async("sendMessage", lambda c: c.params["text"] == "brouillon")
    assert call.ok and call.params["chat_id"] == PAUL


# --- a real Application -----------------------------------------------------------------------


async def test_application_polling_round_trip(api: FakeBotApi) -> None:
    paul = api.user(PAUL)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            f"écho {' '.join(context.args or [])}", reply_markup=keyboard(("Oui", "yes"))
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("reçu")
        await query.edit_message_text(f"choisi : {query.data}")

    application = (
        Application.builder()
        .token(TOKEN)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(pressed))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=5))
        try:
            first = paul.send_command("start", "un")
            reply = await api.wait_for_reply_async(PAUL, after=first, timeout=5)
            assert reply.text == "écho un"
            press = paul.press_button("Oui")
            edited = await api.wait_for_reply_async(PAUL, after=press, timeout=5)
            assert edited.text == "choisi : yes" and edited.edited
            assert paul.callback_answer(press).text == "reçu"
            second = paul.send_command("start", "deux")
            assert (await api.wait_for_reply_async(PAUL, after=second)).text == "écho deux"
        finally:
            await application.updater.stop()
            await application.stop()
    sent = [m.text for m in api.messages(PAUL)]
    assert sent == ["choisi : yes", "écho deux"]  # each update handled exactly once
    assert api.pending_updates() == []


async def test_webhook_updates_are_posted_with_the_secret(api: FakeBotApi, bot: Bot) -> None:
    received: list[tuple[dict[str, Any], str | None]] = []
    arrived = asyncio.Event()

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        )
        arrived.set()
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        paul = api.user(PAUL)
        await bot.set_webhook(f"http://127.0.0.1:{site.port}/hook", secret_token="s3cret")
        with pytest.raises(Conflict):
            await bot.get_updates(timeout=0)
        paul.send_text("par webhook")
        await asyncio.wait_for(arrived.wait(), 5)
        update, secret = received[0]
        assert secret == "s3cret" and update["message"]["text"] == "par webhook"
        info = await bot.get_webhook_info()
        assert info.url.endswith("/hook") and info.pending_update_count == 0
        await bot.delete_webhook()
    finally:
        await runner.cleanup()


# --- out of process ---------------------------------------------------------------------------


async def test_control_api_drives_a_user(api: FakeBotApi, bot: Bot) -> None:
    client = ControlClient(api.control_url)
    await asyncio.to_thread(client.add_user, 2002, "Inès", "fr")
    action = await asyncio.to_thread(client.send_text, 2002, "/start")
    (update,) = await bot.get_updates(timeout=0)
    assert update.message is not None and update.message.text == "/start"

    await bot.send_message(2002, "Prête ?", reply_markup=keyboard(("Oui", "go")))
    events, cursor = await asyncio.to_thread(client.events, 2002, action["seq"], 1.0)
    assert [e["message"]["text"] for e in events] == ["Prête ?"]
    assert events[0]["message"]["buttons"] == [[{"text": "Oui", "data": "go"}]]

    await asyncio.to_thread(lambda: client.press(2002, label="Oui"))
    (update,) = await bot.get_updates(offset=update.update_id + 1, timeout=0)
    assert update.callback_query is not None and update.callback_query.data == "go"

    await asyncio.to_thread(client.fail_next, 1, "429", "sendMessage")
    with pytest.raises(RetryAfter), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        await bot.send_message(2002, "trop vite")
    nothing, _ = await asyncio.to_thread(client.events, 2002, cursor, 0.0)
    assert nothing == []
    with pytest.raises(ControlError, match="no bot message"):
        await asyncio.to_thread(lambda: client.press(2002, label="Inexistant"))


async def test_control_outage_refuses_then_recovers(api: FakeBotApi, bot: Bot) -> None:
    api.user(PAUL)
    client = ControlClient(api.control_url)
    await asyncio.to_thread(client.outage, 0.6)
    await asyncio.sleep(0.15)  # the outage begins just after the control answer
    assert not api.accepting
    with pytest.raises(NetworkError):
        await bot.send_message(PAUL, "pendant")
    for _ in range(40):
        if api.accepting:
            break
        await asyncio.sleep(0.05)
    await bot.send_message(PAUL, "après")
    assert [m.text for m in api.messages(PAUL)] == ["après"]


def test_a_sync_test_drives_a_bot_running_in_another_thread(api: FakeBotApi) -> None:
    paul = api.user(PAUL)
    stop = threading.Event()

    async def shouting_bot() -> None:
        async with make_bot(api) as bot:
            offset = 0
            while not stop.is_set():
                for update in await bot.get_updates(offset=offset, timeout=2):
                    offset = update.update_id + 1
                    if update.message and update.message.text:
                        await bot.send_message(PAUL, update.message.text.upper())

    thread = threading.Thread(target=asyncio.run, args=(shouting_bot(),))
    thread.start()
    try:
        action = paul.send_text("salut")
        assert api.wait_for_reply(PAUL, after=action, timeout=5).text == "SALUT"
        paul.send_text("encore")
        assert paul.wait_for_reply(timeout=5).text == "ENCORE"
    finally:
        stop.set()
        paul.send_text("fin")  # wakes the long poll so the loop sees the stop
        thread.join(5)
    assert not thread.is_alive()


# --- hygiene ------------------------------------------------------------------------------------


def test_stop_releases_the_thread_and_the_port() -> None:
    threads_before = {t.ident for t in threading.enumerate()}
    api = FakeBotApi().start()
    port = api.port
    api.user(PAUL).send_text("x")
    api.stop()
    assert {t.ident for t in threading.enumerate()} <= threads_before
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", port))
