"""The "my job" screens (``/competences_metier``): the job, its skills, where people go from it.

The person types their current or last job, picks the closest ROME title,
ticks the skills of its sheet they use, and sees the moves France Travail
lists from that job with the ticked skills each target also asks for
(*compétences transférables*). The job and the ticks are stored
(:mod:`storage.skills`); these functions only read them.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton

from bot.features.metiers.layout import (
    BUTTON_TEXT,
    MAX_TITLE_LENGTH,
    MOVES_PER_SCREEN,
    SHARED_SHOWN,
    SKILLS_PER_SCREEN,
    TITLE_MATCHES,
    attribution,
    fit,
    nav_row,
    page_count,
    starting_point,
)
from bot.i18n import Translate
from bot.keyboards import button
from bot.kit.screens import Screen, e
from dialogues.rome import Rome, Skill, load_rome
from dialogues.typography import shorten
from storage.skills import CurrentJob


def job_title(rome: Rome, job: CurrentJob) -> str:
    try:
        return rome.appellation(job.appellation_id).title
    except KeyError:
        return rome.sheet(job.sheet_code).title


def sheet_skills(rome: Rome, code: str) -> list[Skill]:
    savoir_faire, savoir_etre = rome.skills(code)
    return savoir_faire + savoir_etre


def ask_title_screen(_: Translate, intro: str | None = None) -> Screen:
    lines = [intro, ""] if intro else []
    lines.append(
        _(
            "What is your current or last job? Type its title in a message, the way you "
            "would say it, for example “aide-soignante” or “comptable”."
        )
    )
    return Screen("\n".join(lines), [[button(_("✖ Cancel"), "m:x")]])


def title_matches_screen(_: Translate, typed: str) -> Screen:
    """The ROME titles closest to what the person typed, as buttons."""
    typed = " ".join(typed.split())
    if len(typed) > MAX_TITLE_LENGTH:
        return ask_title_screen(_, _("That is long for a job title: a few words are enough."))
    rome = load_rome()
    matches = rome.search_appellations(typed, limit=TITLE_MATCHES)
    if not matches:
        return Screen(
            _(
                "I found no job title close to “{typed}”. Try other words, for example "
                "the title you would put on a CV."
            ).format(typed=e(typed)),
            [[button(_("✖ Cancel"), "m:x")]],
        )
    lines = [
        _("Which of these is closest to your job?"),
        "",
        _("None of them? Type other words."),
        "",
        attribution(rome),
    ]
    rows = [[button(shorten(match.title, BUTTON_TEXT), f"m:a:{match.id}")] for match in matches]
    rows.append([button(_("✖ Cancel"), "m:x")])
    return Screen("\n".join(lines), rows)


def job_screen(_: Translate, job: CurrentJob) -> Screen:
    """The job already chosen, and what can be done with it."""
    rome = load_rome()
    if job.sheet_code not in rome:
        return ask_title_screen(
            _, _("The job sheet you chose is no longer in the directory. Let us find it again.")
        )
    sheet = rome.sheet(job.sheet_code)
    lines = [
        _("<b>Your current or last job:</b> {title}").format(title=e(job_title(rome, job))),
        _("Job sheet: {sheet} ({code})").format(sheet=e(sheet.title), code=sheet.code),
        _("Skills ticked: {count}").format(count=len(job.ticked)),
        "",
        attribution(rome),
    ]
    return Screen(
        "\n".join(lines),
        [
            [button(_("✅ Tick my skills"), "m:se")],
            [button(_("🔀 Where people go from this job"), "m:mb:0")],
            [button(_("✏️ Another job"), "m:jn")],
        ],
    )


def skills_screen(_: Translate, job: CurrentJob, page: int, intro: str | None = None) -> Screen:
    """The sheet's skills as toggle buttons, a screenful at a time."""
    rome = load_rome()
    skills = sheet_skills(rome, job.sheet_code)
    pages = page_count(len(skills), SKILLS_PER_SCREEN)
    page = min(max(page, 0), pages - 1)
    first = page * SKILLS_PER_SCREEN
    shown = skills[first : first + SKILLS_PER_SCREEN]
    ticked = set(job.draft)
    sheet_ids = {s.id for s in skills}
    head = [intro, ""] if intro else []
    head += [
        _("<b>Your skills in this job</b> ({title})").format(title=e(job_title(rome, job))),
        _(
            "Tick the ones you really use, or used, in this job. I will then show which "
            "of them other jobs also ask for."
        ),
        _("Page {page} of {pages} · ticked: {count}").format(
            page=page + 1, pages=pages, count=len(ticked & sheet_ids)
        ),
    ]
    body: list[str] = []
    rows: list[list[InlineKeyboardButton]] = []
    kind = None
    for number, skill in enumerate(shown, start=first + 1):
        if skill.kind != kind:
            kind = skill.kind
            title = _("Know-how") if kind == "savoir_faire" else _("Personal qualities")
            body += ["", f"<b>{title}</b>"]
        mark = "✅" if skill.id in ticked else "▫️"
        body.append(f"{mark} {number}. {e(skill.label)}")
        rows.append(
            [
                button(
                    f"{mark} {number}. {shorten(skill.label, BUTTON_TEXT)}",
                    f"m:t:{skill.id}:{page}",
                )
            ]
        )
    nav = nav_row(
        _,
        f"m:s:{page - 1}" if page > 0 else None,
        f"m:s:{page + 1}" if page + 1 < pages else None,
    )
    if nav:
        rows.append(nav)
    rows.append([button(_("💾 Save my skills"), "m:ok")])
    tail = ["", attribution(rome)]
    return Screen(fit(head, body, tail), rows)


def moves_screen(_: Translate, job: CurrentJob, page: int, intro: str | None = None) -> Screen:
    """The moves ROME lists from the job, ranked, with the ticked skills each target shares."""
    rome = load_rome()
    targets = rome.mobilities(job.sheet_code)
    head = [intro, ""] if intro else []
    head.append(
        _("<b>Where people go from this job</b> ({title})").format(title=e(job_title(rome, job)))
    )
    rows: list[list[InlineKeyboardButton]] = []
    if not targets:
        head += ["", _("France Travail lists no usual move from this job sheet.")]
        rows.append([button(_("✏️ Another job"), "m:jn")])
        return Screen("\n".join([*head, "", attribution(rome)]), rows)
    pages = page_count(len(targets), MOVES_PER_SCREEN)
    page = min(max(page, 0), pages - 1)
    first = page * MOVES_PER_SCREEN
    head.append(
        _(
            "The moves France Travail lists from this job, in its order "
            "({first} to {last} of {count}):"
        ).format(
            first=first + 1, last=min(first + MOVES_PER_SCREEN, len(targets)), count=len(targets)
        )
    )
    if not job.ticked:
        head.append(_("Tick your skills to see which of them each of these jobs also asks for."))
    body: list[str] = []
    for number, target in enumerate(targets[first : first + MOVES_PER_SCREEN], start=first + 1):
        body += ["", f"<b>{number}. {e(target.title)}</b> ({target.code})"]
        if job.ticked:
            shared = rome.transferable(job.sheet_code, job.ticked, target.code)
            if shared:
                labels = _("; ").join(e(s.label) for s in shared[:SHARED_SHOWN])
                more = len(shared) - SHARED_SHOWN
                if more > 0:
                    labels += " " + _("(and {count} more)").format(count=more)
                body.append(_("🔁 Your skills it also asks for: {skills}").format(skills=labels))
            else:
                body.append(_("None of your ticked skills is listed for it as such."))
        rows.append(
            [
                button(
                    f"📄 {number}. " + shorten(target.title, BUTTON_TEXT),
                    f"m:f:{target.code}:mb:{page}",
                )
            ]
        )
    nav = nav_row(
        _,
        f"m:mb:{page - 1}" if page > 0 else None,
        f"m:mb:{page + 1}" if page + 1 < pages else None,
    )
    if nav:
        rows.append(nav)
    rows.append([button(_("✅ My skills"), "m:se"), button(_("✏️ Another job"), "m:jn")])
    tail = ["", starting_point(_), attribution(rome)]
    return Screen(fit(head, body, tail), rows)
