"""What a counsellor types for a contact being added or edited: the flow ``contact`` of the door.

Adding asks the name, how to reach them, the métiers (ROME codes typed
together, or a job title to pick among the ROME titles), then how they agreed,
and saves; editing retypes one field and saves. A refusal of the file keeps
the counsellor at the same step with its reason; a contact gone meanwhile
ends the step.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.contacts.draft import FIELD_OF, FLOW, NEXT, save
from bot.features.contacts.screens import ask, metiers_screen, page, refusal_text, title_screen
from bot.i18n import N_
from bot.kit.door import COUNSELLORS, Typed, text_flow
from bot.kit.refusals import say
from bot.kit.roles import as_counsellor
from bot.kit.screens import Screen, send
from bot.kit.typed import DRAFT_TEXT_WAIT
from bot.runtime import Caller, work
from dialogues.rome import load_rome
from storage import contacts as store
from storage import sessions as dialogue
from storage.actors import AccessDenied, CounsellorActor
from storage.contacts import ContactRefused
from storage.conversation import Wait
from storage.models import utcnow

OPTIONAL = ("role", "org", "area", "mention")
"""Fields that “-” leaves empty."""
REQUIRED = ("name", "reach", "how")


async def _typed(
    session: AsyncSession,
    caller: Caller,
    actor: CounsellorActor,
    draft: Wait,
    text: str,
) -> Screen:
    _ = caller._
    data = dict(draft.payload)
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


@text_flow(FLOW, label=N_("the contact you were writing"), who=COUNSELLORS, max_age=DRAFT_TEXT_WAIT)
async def contact_text(typed: Typed) -> bool:
    """A counsellor's typed field of a contact being added or edited."""
    caller, actor = typed.caller, as_counsellor(typed.caller)
    async with work(typed.context) as session:
        try:
            screen = await _typed(session, caller, actor, typed.wait, typed.text)
        except ContactRefused as refused:  # a field left empty while editing, for instance
            screen = page(say(refused, caller._))
        except (AccessDenied, KeyError, ValueError):
            await dialogue.end_dialogue(session, actor, flows=[FLOW])
            screen = page(caller._("That contact is no longer in the file. /contacts"))
    await send(typed.update, screen)
    return True


TEXT_FLOWS = (contact_text,)
