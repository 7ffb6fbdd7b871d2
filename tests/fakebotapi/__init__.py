"""A stand-in Telegram Bot API server for tests, on 127.0.0.1.

Why: python-telegram-bot parses answers strictly, so the bot can only be run
as a real process against something that answers with Telegram's exact
shapes (``getMe`` with ``is_bot`` and ``can_join_groups``, dates in UNIX
seconds, callback queries with ``chat_instance``, entities in UTF-16 units…)
and refuses what Telegram refuses (over-long texts, unbalanced HTML,
callback_data over 64 bytes, "message is not modified"). Off-the-shelf
emulators get these wrong; this one is checked against PTB itself
(``tests/test_fakebotapi.py``).

Start it, point the bot at it, act as a user, read what the bot did::

    from tests.fakebotapi import FakeBotApi

    with FakeBotApi(token="123456:TEST-TOKEN", bot_username="bilan_test_bot") as api:
        # give the bot base_url=api.base_url, base_file_url=api.base_file_url
        paul = api.user(1001, first_name="Paul", language_code="fr")
        action = paul.send_command("start", "invite-abc")
        reply = api.wait_for_reply(paul.chat_id, after=action)  # first message sent/edited
        paul.press_button("Oui")            # or paul.press("q1:yes") / press(data, message_id)
        question = paul.wait_for_reply(lambda m: "Question 2" in m.content)

The server runs in a background thread with its own event loop; every
method here is a thread-safe sync call. From an async test whose loop runs
the bot, use the ``*_async`` waiting variants (``wait_for_reply_async``…)
so the loop is not blocked.

Users (``api.user(user_id, first_name, language_code=...)`` → ``FakeUser``; the
user has started the bot, so their private chat exists and sends to it
succeed; any other chat id answers ``chat not found``): ``send_text``, ``send_command``,
``press``, ``press_button``, ``edit_last_message``, ``send_photo``,
``send_document``, ``send_voice``, ``send_sticker``, ``send_location``,
``block``/``unblock``. Each returns an ``Action`` marker.

Reading: ``api.messages(chat_id)`` (current state: edits applied, deleted
gone), ``api.last_message``, ``api.history`` (sent/edited/deleted events),
``api.replies(chat_id, after)``, ``api.wait_for_reply(chat_id, after,
predicate, timeout)`` — *the first bot message sent or edited in that chat
after the marker (default: the chat's last user action) that satisfies the
predicate* —, ``api.wait_for_event`` (the same, returning the event with its
``seq`` to chain waits), ``api.wait_for_message``, ``api.callback_answer(action)``,
``api.reply_keyboard``, ``api.chat_actions``, ``api.commands``,
``api.calls(method)``, ``api.wait_for_call``, ``api.reset_calls``,
``api.uploaded_files(chat_id)``, ``api.pending_updates``,
``api.wait_for_updates_consumed``.

Breaking: ``api.fail_next(n, kind, method=None, retry_after=1, delay_s=30,
performed=False)`` with kind ``"429" | "500" | "502" | "403" | "timeout" |
"disconnect"``; ``api.block_user`` / ``unblock_user``; ``api.latency_s``;
``api.set_rate_limit(per_second=30, per_chat_per_second=None)``;
``api.stop_accepting()`` / ``api.resume()`` (outage: refused connections,
same port afterwards); ``api.clear_faults()``.

Bot API methods served: getMe, getUpdates (offset, limit, timeout long
polling, allowed_updates, 409 on a competing poll), setWebhook (updates are
POSTed to loopback webhook URLs, with the secret token header),
deleteWebhook, getWebhookInfo, set/get/deleteMyCommands,
set/getChatMenuButton, set/getMyDescription, set/getMyShortDescription,
set/getMyName, getChat, sendMessage, sendPhoto, sendDocument, sendChatAction,
editMessageText, editMessageCaption, editMessageReplyMarkup, deleteMessage,
deleteMessages, answerCallbackQuery, getFile (+ ``/file/bot<token>/<path>``),
close, logOut. Anything else answers 404 ``Not Found`` as Telegram does.

Out of process: ``control.py`` serves the same user actions and readings as
JSON under ``/_control/``; ``ControlClient`` is a small stdlib client for it,
and ``python -m tests.fakebotapi`` runs a server on its own.
"""

from .api import FakeBotApi, Marker
from .control_client import ControlClient
from .media import png_bytes
from .records import (
    Action,
    BotMessage,
    Button,
    Call,
    CallbackAnswer,
    MessageEvent,
    UploadedFile,
)
from .user import FakeUser

__all__ = [
    "Action",
    "BotMessage",
    "Button",
    "Call",
    "CallbackAnswer",
    "ControlClient",
    "FakeBotApi",
    "FakeUser",
    "Marker",
    "MessageEvent",
    "UploadedFile",
    "png_bytes",
]
