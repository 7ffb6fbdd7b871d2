"""``/start``: the invitation link, consent, and the polite refusal to strangers.

Until the person presses "I agree", nothing about them is stored: the consent
screen carries the token in its buttons instead of remembering the person, and
the chosen language travels the same way. Only this process's memory
(:mod:`bot.pending_consent`) keeps which link they opened, so that anything
they type meanwhile brings the question back instead of the strangers' sentence.
"""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardMarkup, Update

from bot.attempts import FailedAttempts
from bot.dispatcher import person_returned
from bot.i18n import Translate, gettext_for
from bot.keyboards import CONSENT_PREFIX, button
from bot.menu import menu_markup
from bot.pending_consent import PendingConsents
from bot.runtime import Caller, Context, identify, settings, wake_dispatcher, work
from dialogues.languages import LANGUAGES, codes
from storage.actors import CounsellorActor
from storage.outbox import Recipient
from storage.people import PendingInvitation, accept_invitation, find_invitation

log = logging.getLogger(__name__)

ATTEMPTS_KEY = "failed_start_attempts"
PENDING_KEY = "pending_consents"


def _attempts(context: Context) -> FailedAttempts:
    attempts: FailedAttempts | None = context.bot_data.get(ATTEMPTS_KEY)
    if attempts is None:
        conf = settings(context)
        attempts = FailedAttempts(conf.failed_start_limit, conf.failed_start_window_seconds)
        context.bot_data[ATTEMPTS_KEY] = attempts
    return attempts


def _pending(context: Context) -> PendingConsents:
    pending: PendingConsents | None = context.bot_data.get(PENDING_KEY)
    if pending is None:
        pending = PendingConsents()
        context.bot_data[PENDING_KEY] = pending
    return pending


async def ask_consent_again(update: Update, context: Context, telegram_id: int) -> bool:
    """Show the consent question again to someone who has it open; False if they have none.

    The invitation is looked up anew: a link used, expired or withdrawn since
    is forgotten, and the person is then a stranger again.
    """
    opened = _pending(context).get(telegram_id)
    message = update.effective_message
    if opened is None or message is None:
        return False
    async with work(context) as session:
        invitation = await find_invitation(session, opened.token)
    if invitation is None:
        _pending(context).forget(telegram_id)
        return False
    if update.callback_query is not None:
        await update.callback_query.answer()
    _ = gettext_for(opened.locale)
    await message.reply_text(
        consent_text(invitation, _),
        reply_markup=consent_keyboard(opened.token, opened.locale, _),
    )
    return True


def stranger_text(_: Translate, retired: bool = False) -> str:
    """What someone the bot does not know reads; a deactivated counsellor is told why."""
    if retired:
        return _(
            "Your counsellor account is no longer active, so the bot no longer shows you "
            "your beneficiaries. If this is a mistake, ask your organisation's administrator "
            "to reactivate it."
        )
    return _(
        "Hello! This bot accompanies people invited by their bilan de compétences counsellor. "
        "To use it, open the invitation link your counsellor "
        "gave you."
    )


def consent_text(pending: PendingInvitation, _: Translate) -> str:
    return _(
        "Hello {name},\n\n"
        "I am the companion of your <b>bilan de compétences</b> with {counsellor}. Between "
        "your sessions I will offer you questionnaires, remind you of your appointments and "
        "tasks, and keep your journal.\n\n"
        "<b>Who reads your answers:</b> only you and your counsellor, who is bound by "
        "professional secrecy. Nobody else.\n"
        "<b>How long:</b> at most one year after the end of your bilan, then everything is "
        "erased.\n"
        "<b>Your rights:</b> at any time you can see, export or erase your data, and withdraw "
        "your consent.\n\n"
        "Do you agree to use this bot for your bilan? Refusing changes nothing to your "
        "bilan itself."
    ).format(
        name=html.escape(pending.beneficiary_name), counsellor=html.escape(pending.counsellor_name)
    )


def consent_keyboard(token: str, locale: str, _: Translate) -> InlineKeyboardMarkup:
    others = [lang for lang in LANGUAGES if lang.code != locale]
    return InlineKeyboardMarkup(
        [
            [button(_("✅ I agree"), f"{CONSENT_PREFIX}ok:{locale}:{token}")],
            [button(_("Not now"), f"{CONSENT_PREFIX}no:{locale}:{token}")],
            [button(lang.label, f"{CONSENT_PREFIX}lang:{lang.code}:{token}") for lang in others],
        ]
    )


def welcome_text(caller: Caller) -> str:
    _ = caller._
    if isinstance(caller.actor, CounsellorActor):
        return _(
            "Hello! You are registered as a counsellor.\n"
            "/invite First Last — invite a beneficiary\n"
            "/beneficiaires — your beneficiaries\n"
            "/aide — help"
        )
    return _("Welcome back! Here is your menu.")


async def start(update: Update, context: Context) -> None:
    message = update.effective_message
    caller = await identify(update, context)
    if message is None or caller is None:
        return
    _ = caller._
    token = context.args[0] if context.args else ""
    if caller.actor is not None:
        # Back after blocking the bot: what was held is looked at again, never dumped at once.
        actor = caller.actor
        recipient = (
            Recipient.counsellor(actor.counsellor_id)
            if isinstance(actor, CounsellorActor)
            else Recipient.beneficiary(actor.beneficiary_id)
        )
        async with work(context) as session:
            await person_returned(session, recipient)
        wake_dispatcher(context)
        await message.reply_text(
            welcome_text(caller),
            reply_markup=await menu_markup(context, caller.actor, _),
        )
        return
    if not token and await ask_consent_again(update, context, caller.telegram_id):
        return
    attempts = _attempts(context)
    pending = None
    if token and not attempts.blocked(caller.telegram_id):
        async with work(context) as session:
            pending = await find_invitation(session, token)
    if pending is None:
        attempts.add_failure(caller.telegram_id)
        log.info("refused /start from an unknown user (update %s)", update.update_id)
        await message.reply_text(stranger_text(_, caller.retired))
        return
    _pending(context).remember(caller.telegram_id, token, caller.locale)
    await message.reply_text(
        consent_text(pending, _),
        reply_markup=consent_keyboard(token, caller.locale, _),
    )


async def consent_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None or query.data is None or query.from_user is None:
        return
    try:
        _prefix, choice, locale, token = query.data.split(":", 3)
    except ValueError:
        await query.answer()
        return
    if locale not in codes():
        locale = settings(context).default_locale
    _ = gettext_for(locale)
    if choice == "lang":
        async with work(context) as session:
            pending = await find_invitation(session, token)
        await query.answer()
        if pending is None:
            _pending(context).forget(query.from_user.id)
            await query.edit_message_text(stranger_text(_))
            return
        _pending(context).remember(query.from_user.id, token, locale)
        await query.edit_message_text(
            consent_text(pending, _),
            reply_markup=consent_keyboard(token, locale, _),
        )
        return
    if choice == "no":
        _pending(context).forget(query.from_user.id)
        await query.answer()
        await query.edit_message_text(
            _(
                "Understood, and thank you for your answer. Nothing has been recorded about "
                "you. Your bilan goes on as planned with your counsellor. If you change your "
                "mind, open the same link again while it is valid."
            )
        )
        return
    if choice != "ok":
        await query.answer()
        return
    async with work(context) as session:
        actor = await accept_invitation(session, token, query.from_user.id, locale)
    _pending(context).forget(query.from_user.id)
    await query.answer()
    if actor is None:
        await query.edit_message_text(stranger_text(_))
        return
    log.info("beneficiary %s gave consent", actor.beneficiary_id)
    await query.edit_message_text(
        _(
            "Thank you, your consent is recorded. You can withdraw it at any time.\n\n"
            "Here is your menu: /menu shows it again, /aide explains everything."
        ),
        reply_markup=await menu_markup(context, actor, _),
    )
