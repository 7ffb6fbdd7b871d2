"""The counsellor's commands not yet on the kit: the caller, if a counsellor, else told why not.

:func:`counsellor_caller` is kept for the handler modules that still use it
(the digest and the desk's chat command); the card's own
commands read the caller with :func:`bot.runtime.identify` and say
:data:`FOR_COUNSELLORS` to a beneficiary.
"""

from __future__ import annotations

from telegram import Update

from bot.features.onboarding.start import stranger_text
from bot.i18n import N_
from bot.runtime import Caller, Context, identify
from storage.actors import CounsellorActor

FOR_COUNSELLORS = N_("This command is for counsellors. /aide shows what you can do.")


async def counsellor_caller(
    update: Update, context: Context
) -> tuple[Caller, CounsellorActor] | None:
    caller = await identify(update, context)
    message = update.effective_message
    if caller is None or message is None:
        return None
    if caller.actor is None:
        await message.reply_text(stranger_text(caller._, caller.retired))
        return None
    if not isinstance(caller.actor, CounsellorActor):
        await message.reply_text(caller._(FOR_COUNSELLORS))
        return None
    return caller, caller.actor
