"""The counsellor's reading of métiers, from a beneficiary's card: job, ticked skills, pistes.

For the person's own counsellor only (storage refuses anyone else, and the
function refuses a beneficiary); every reading is audited. In the
counsellor's voice: starting points for the conversation, not verdicts.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.metiers.codes import valid_code
from bot.features.metiers.job import job_title, sheet_skills
from bot.features.metiers.layout import (
    SUMMARY_DOMAINS_SHOWN,
    SUMMARY_SKILLS_SHOWN,
    attribution,
    fit,
    letters_names,
)
from bot.features.metiers.pistes import ranked_domains
from bot.features.metiers.riasec import latest_riasec
from bot.i18n import format_date_long, gettext_for
from bot.kit.screens import e
from dialogues.rome import load_rome
from storage import audit
from storage.actors import AccessDenied, CounsellorActor, PersonActor
from storage.skills import current_job


async def counsellor_summary(
    session: AsyncSession, actor: PersonActor, beneficiary_id: int, locale: str
) -> str:
    """The beneficiary's job, ticked skills and pistes, for their own counsellor (HTML).

    Raises :class:`AccessDenied` for anyone else; every call is audited.
    """
    if not isinstance(actor, CounsellorActor):
        raise AccessDenied("only the beneficiary's counsellor reads this summary")
    _ = gettext_for(locale)
    job = await current_job(session, actor, beneficiary_id)
    latest = await latest_riasec(session, actor, beneficiary_id)
    await audit.record(session, actor, "read:metiers", beneficiary_id)
    rome = load_rome()
    lines = ["<b>" + _("Jobs to explore") + "</b>"]
    if job is None or job.sheet_code not in rome:
        lines.append(_("Current or last job: not given yet."))
    else:
        sheet = rome.sheet(job.sheet_code)
        lines.append(
            _("Current or last job: <b>{title}</b> (sheet {sheet}, {code})").format(
                title=e(job_title(rome, job)), sheet=e(sheet.title), code=sheet.code
            )
        )
        labels = {s.id: s.label for s in sheet_skills(rome, job.sheet_code)}
        ticked = [labels[i] for i in job.ticked if i in labels]
        if ticked:
            lines.append(_("Skills ticked ({count}):").format(count=len(ticked)))
            lines += [f"• {e(label)}" for label in ticked[:SUMMARY_SKILLS_SHOWN]]
            if len(ticked) > SUMMARY_SKILLS_SHOWN:
                lines.append(
                    _("(and {count} more)").format(count=len(ticked) - SUMMARY_SKILLS_SHOWN)
                )
        else:
            lines.append(_("Skills ticked: none yet."))
    lines.append("")
    if latest is None:
        lines.append(_("Interests inventory: not taken yet."))
    elif latest.result.code is None or not valid_code(latest.result.code):
        if latest.result.flat:
            lines.append(
                _("Interests inventory: flat profile, no code; no jobs suggested from it.")
            )
        else:
            lines.append(_("Interests inventory: too incomplete to give a code."))
    else:
        code = latest.result.code
        when = (
            format_date_long(latest.submitted_at, locale, actor.timezone)
            if latest.submitted_at
            else "—"
        )
        lines.append(
            _(
                "Holland code <b>{code}</b> ({names}), inventory of {date}. First jobs to explore:"
            ).format(code=code, names=letters_names(code, locale), date=when)
        )
        for domain in ranked_domains(code)[:SUMMARY_DOMAINS_SHOWN]:
            titles = _("; ").join(e(s.sheet.title) for s in domain.sheets)
            lines.append(
                "• "
                + _("{domain}: {titles}").format(domain=f"<i>{e(domain.label)}</i>", titles=titles)
            )
    counsellor_note = _("Starting points for your conversation with the person, not verdicts.")
    lines += ["", f"<i>{counsellor_note}</i>", attribution(rome)]
    return fit(lines[:1], lines[1:-2], lines[-2:])
