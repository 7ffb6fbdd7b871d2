"""What a counsellor types for a contact being added or edited: the flow ``contact`` of the door.

Adding asks the name, how to reach them, the métiers (ROME codes typed
together, or a job title to pick among the ROME titles), then how they agreed,
and saves; editing retypes one field and saves. A refusal of the file keeps
the counsellor at the same step with its reason; a contact gone meanwhile
ends the step.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.features.contacts.draft import FIELD_OF, FLOW, NEXT, save
from bot.features.contacts.screens import ask, metiers_screen, page, refusal_text, title_screen
from bot.kit.door import Flow
from bot.kit.refusals import say
from bot.kit.screens import Screen, send
from bot.kit.typed import DRAFT_TEXT_WAIT, typed_text
from bot.runtime import Caller, Context, work
from dialogues.rome import load_rome
from storage import contacts as store
from storage import sessions as dialogue
from storage.actors import AccessDenied, CounsellorActor
from storage.contacts import ContactRefused
from storage.models import utcnow

OPTIONAL = ("role", "org", "area", "mention")
"""Fields that “-” leaves empty."""
REQUIRED = ("name", "reach", "how")


async def _typed(
    session: AsyncSession,
    caller: Caller,
    actor: CounsellorActor,
    draft: dialogue.Dialogue,
    text: str,
) -> Screen:
    _ = caller._
    data = dict(draft.data)
    field = draft.step.removeprefix("e_")
    editing = draft.step.startswith("e_")
    value: str | None = text.strip()
    if value == "-" and field in OPTIONAL:
        value = None
    if field == "metiers":
        words = (value or "").upper().replace(",", " ").split()
        if words and all(store.ROME_CODE.fullmatch(w) for w in words):
            try:
                codes = store.check_rome_codes(
                    [*data.get("rome_codes", []), *words], (s.code for s in load_rome().sheets())
                )
            except ContactRefused as refused:
                return page(refusal_text(refused, _))
            data["rome_codes"] = list(codes)
            await dialogue.save_dialogue(session, actor, FLOW, draft.step, data)
            return metiers_screen(data, caller)
        return title_screen(value or "", caller)
    data[FIELD_OF.get(field, field)] = value
    if field == "how":
        data["agreed_on"] = utcnow().date().isoformat()
    limit = store.NAME_MAX if field == "name" else store.TEXT_MAX
    if value is not None and len(" ".join(value.split())) > limit:
        return page(refusal_text(ContactRefused(f"too_long:{field}"), _) + "\n" + ask(field, _))
    if not value and field in REQUIRED:
        return page(refusal_text(ContactRefused("empty"), _) + "\n" + ask(field, _))
    if editing or field == "how":
        return await save(session, caller, actor, data)
    step = NEXT[field]
    await dialogue.save_dialogue(session, actor, FLOW, step, data)
    return page(ask(step, _))


async def handle_text(update: Update, context: Context) -> bool:
    """A counsellor's typed field of a contact being added or edited; True when consumed."""
    typed = await typed_text(update, context)
    if typed is None:
        return False
    caller, actor, text = typed
    if not isinstance(actor, CounsellorActor):
        return False
    async with work(context) as session:
        draft = await dialogue.current_dialogue(
            session, actor, flows=[FLOW], max_age=DRAFT_TEXT_WAIT
        )
        if draft is None:
            return False
        try:
            screen = await _typed(session, caller, actor, draft, text)
        except ContactRefused as refused:  # a field left empty while editing, for instance
            screen = page(say(refused, caller._))
        except (AccessDenied, KeyError, ValueError):
            await dialogue.end_dialogue(session, actor, flows=[FLOW])
            screen = page(caller._("That contact is no longer in the file. /contacts"))
    await send(update, screen)
    return True


TEXT_FLOWS = (Flow((FLOW,), handle_text, lambda _wait, _: _("the contact you were writing")),)
