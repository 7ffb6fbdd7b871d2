"""The person's side: their synthesis to read, and their presses on a version to review.

    sy:me           their synthesis: the version to review, or the final one
    sy:ok:<v>       agree to version v
    sy:cm:<v>       comment on version v (the next message is the comment, :mod:`.typed`)

A version that is no longer the one to review is refused by storage with its
reason (:mod:`.words`), said in the press's answer.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, InputFile, Update

from bot.features.synthesis.presses import PRESSES, person_data
from bot.i18n import Translate, format_date_long
from bot.keyboards import button
from bot.kit.presses import Press, Reply, new_message
from bot.kit.screens import Screen, Stale, number
from bot.runtime import Context, wake_dispatcher, work
from storage import synthesis
from storage.actors import BeneficiaryActor
from storage.models import utcnow
from storage.synthesis import SynthesisState


def review_keyboard(version: int, _: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [button(_("✅ I agree to this version"), person_data("ok", version))],
            [button(_("💬 Comment"), person_data("cm", version))],
        ]
    )


def review_caption(version: int, _: Translate) -> str:
    return _(
        "📝 Your counsellor offers you your synthesis document (version {number}). It is yours: "
        "read it calmly. You can comment on it, or agree that it becomes the final version."
    ).format(number=version)


async def my_synthesis(
    update: Update, context: Context, actor: BeneficiaryActor, _: Translate
) -> None:
    """The version to review (with its buttons), else the final one, else where it stands."""
    message = update.effective_message
    if message is None:
        return
    async with work(context) as session:
        state = await synthesis.status(session, actor, actor.beneficiary_id)
        review = await synthesis.person_copy(session, actor, "review")
        final = await synthesis.person_copy(session, actor, "final")
    name = _("My synthesis")
    if review is not None:
        version, pdf = review
        await message.reply_document(
            InputFile(pdf, filename=f"{name} - v{version}.pdf"),
            caption=review_caption(version, _),
            reply_markup=review_keyboard(version, _),
        )
    elif final is not None:
        pdf = final[1]
        await message.reply_document(
            InputFile(pdf, filename=f"{name}.pdf"), caption=_("📄 Your final synthesis document.")
        )
    elif state is not None and state.state == SynthesisState.DELIVERED:
        await message.reply_text(
            _(
                "You received your synthesis document on {date}. The organisation's copy has "
                "been erased: the one you received is the only one."
            ).format(
                date=format_date_long(state.delivered_at or utcnow(), actor.locale, actor.timezone)
            )
        )
    elif state is not None and state.state == SynthesisState.AGREED:
        await message.reply_text(
            _("You agreed to your synthesis: your counsellor will now deliver the final version.")
        )
    else:
        await message.reply_text(
            _(
                "Your counsellor prepares your synthesis document with you at the end of the "
                "bilan. You will receive it here to read, comment on and agree to."
            )
        )


def _version(press: Press) -> int:
    """The one argument of ``sy:ok:<v>`` and ``sy:cm:<v>``."""
    if len(press.args) != 1:
        raise Stale("malformed synthesis press")
    return number(press.arg(0))


@PRESSES.on("me", who=BeneficiaryActor)
async def mine(press: Press) -> None:
    await my_synthesis(press.update, press.context, press.beneficiary, press._)


@PRESSES.on("ok", who=BeneficiaryActor)
async def agree(press: Press) -> Reply:
    me, version, _ = press.beneficiary, _version(press), press._
    async with work(press.context) as session:
        await synthesis.agree(session, me, version)
    wake_dispatcher(press.context)
    if press.query.message is not None:
        await press.query.edit_message_reply_markup(None)
    thanks = _(
        "Thank you: your agreement to version {number} is recorded. Your counsellor "
        "will now deliver the final version to you."
    ).format(number=version)
    return new_message(Screen(thanks), toast=_("Agreement recorded"))


@PRESSES.on("cm", who=BeneficiaryActor)
async def comment(press: Press) -> Reply:
    me, _ = press.beneficiary, press._
    _version(press)  # the wait knows which version is in review
    async with work(press.context) as session:
        await synthesis.start_wait(session, me, me.beneficiary_id, "comment")
    text = _(
        "Write your comment in one message ({max} characters at most): what to add, "
        "change or remove. /annuler to give up."
    ).format(max=synthesis.COMMENT_MAX)
    return new_message(Screen(text))
