"""*Métiers à explorer*: job sheets from the Holland code, and what a job carries elsewhere.

Two screens of the investigation phase, both built on France Travail's ROME 4.0
(:mod:`dialogues.rome`):

* **Pistes** (``/metiers``): from the beneficiary's latest interests inventory,
  ROME job sheets grouped by professional domain, a few at a time, each
  openable on its definition and *accès au métier*. A flat profile gets no
  forced code: the person may pick one to three letters themself.
* **My job** (``/competences_metier``): the person types their current or last
  job, picks the closest ROME title, ticks the skills of its sheet they use,
  and sees the moves France Travail lists from that job with the ticked skills
  each target also asks for (*compétences transférables*).

Every screen after the first is the same message edited in place, so browsing
never piles up a wall of text. The position (code, domain, page) travels in
callback data, which is short ASCII and re-parsed strictly on every press;
everything personal (the job, the ticks, whether a job title is expected) is
in the database through :mod:`storage.skills`. ROME text is French only and is
always HTML-escaped (titles contain "&"); its attribution closes every screen
that shows it.

Callback grammar (all under ``m:``)::

    m:pistes                 entry: pistes of the latest code
    m:L:<letters>            choose up to three letters yourself (letters so far)
    m:p:<code>:<d>[:<s>]     domain d of the pistes of <code>, sheets page s
    m:d:<code>:<page>        the list of domains matching <code>
    m:f:<sheet>:<back>       one job sheet; <back> is the m: screen to return to
    m:job  m:jn  m:x         my job / type another job title / stop waiting for one
    m:a:<appellation>        this title is my job
    m:se  m:s:<page>         tick skills (from the saved ones) / another page
    m:t:<skill>:<page>       tick or untick one skill
    m:ok                     save the ticked skills
    m:mb:<page>              moves from my job, with the skills they share
    m:ben:<beneficiary>      (counsellor) a beneficiary's job, skills and pistes
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest

from bot.handlers.onboarding import known_caller
from bot.i18n import N_, Translate, format_date_long, gettext_for, ngettext_of
from bot.keyboards import button
from bot.kit.door import Flow
from bot.runtime import Caller, Context, identify, work
from dialogues.results import riasec_name
from dialogues.rome import DomainPistes, Rome, ScoredSheet, Sheet, Skill, load_rome
from dialogues.rome.pistes import RIASEC, normalise_code
from dialogues.scoring import RiasecResult
from dialogues.typography import shorten
from storage import audit
from storage.actors import AccessDenied, BeneficiaryActor, CounsellorActor, PersonActor
from storage.responses import RunState, RunStatus, runs_of
from storage.skills import FLOW as JOB_TITLE_FLOW
from storage.skills import (
    CurrentJob,
    awaiting_job_title,
    begin_skill_edit,
    choose_job,
    current_job,
    save_skills,
    start_job_title_wait,
    stop_job_title_wait,
    toggle_draft_skill,
)

log = logging.getLogger(__name__)

PREFIX = "m:"
CALLBACK_PATTERN = r"^m:"
PISTES = "m:pistes"
JOB = "m:job"
BENEFICIARY_PREFIX = "m:ben:"
INVENTORY = "q:open:riasec_short"
RIASEC_KEYS = ("riasec", "riasec_short")

# Menu entries and command descriptions, for the menu keyboard and setMyCommands.
COMMANDS = [
    ("metiers", N_("Jobs to explore from your interests")),
    ("competences_metier", N_("Your job and the skills it carries")),
]

SHEETS_PER_SCREEN = 3
DOMAINS_PER_SCREEN = 8
SKILLS_PER_SCREEN = 8
MOVES_PER_SCREEN = 4
TITLE_MATCHES = 6
MAX_TITLE_LENGTH = 120
BUTTON_TEXT = 56
SUMMARY_TEXT = 220
SHARED_SHOWN = 4
SUMMARY_SKILLS_SHOWN = 12
SUMMARY_DOMAINS_SHOWN = 5
# Measured on the HTML, longer than the text Telegram counts, but Telegram counts in
# UTF-16 units where an emoji takes two: keep some room for those.
TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH - 96


@dataclass(frozen=True)
class Screen:
    """What one press shows: HTML text, buttons, and an optional short notice."""

    text: str
    rows: list[list[InlineKeyboardButton]] = field(default_factory=list)
    notice: str | None = None

    @property
    def markup(self) -> InlineKeyboardMarkup | None:
        return InlineKeyboardMarkup(self.rows) if self.rows else None


class Stale(Exception):
    """A press that no longer fits the stored state (an old or forged button)."""


# --- small text helpers ------------------------------------------------------------


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _short(text: str, limit: int) -> str:
    """Cut a long text on a word boundary, with an ellipsis."""
    return shorten(text, limit)


def _attribution(rome: Rome) -> str:
    return f"<i>{_e(rome.attribution)}</i>"


def _starting_point(_: Translate) -> str:
    return (
        "<i>"
        + _("These are starting points to talk over with your counsellor, not verdicts.")
        + "</i>"
    )


def _fit(head: list[str], body: list[str], tail: list[str]) -> str:
    """Join head, body and tail, dropping body lines from the end if Telegram would refuse."""
    kept = list(body)
    while True:
        text = "\n".join([*head, *kept, *tail])
        if len(text) <= TEXT_LIMIT or not kept:
            return text
        kept = [*kept[:-2], "…"] if len(kept) > 1 else []


def _letters_names(code: str, locale: str) -> str:
    return ", ".join(riasec_name(letter, locale) for letter in code)


def _nav(_: Translate, previous: str | None, following: str | None) -> list[InlineKeyboardButton]:
    row = []
    if previous is not None:
        row.append(button(_("◀ Previous"), previous))
    if following is not None:
        row.append(button(_("Next ▶"), following))
    return row


def _page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


# --- reading the stored RIASEC result ----------------------------------------------


@dataclass(frozen=True)
class LatestRiasec:
    result: RiasecResult
    submitted_at: datetime | None


async def latest_riasec(
    session: AsyncSession, actor: PersonActor, beneficiary_id: int
) -> LatestRiasec | None:
    """The newest submitted interests inventory (full or short form) with a readable result."""
    runs: list[RunState] = []
    for key in RIASEC_KEYS:
        runs += await runs_of(session, actor, beneficiary_id, key)
    done = [r for r in runs if r.status == RunStatus.SUBMITTED and r.result is not None]
    done.sort(key=lambda r: (r.submitted_at or r.updated_at, r.id), reverse=True)
    for run in done:
        try:
            return LatestRiasec(RiasecResult.from_dict(run.result), run.submitted_at)
        except (ValueError, KeyError, TypeError):
            log.warning("run %s holds an unreadable RIASEC result", run.id)
    return None


# --- pistes screens -----------------------------------------------------------------


def _no_result_screen(_: Translate, incomplete: bool) -> Screen:
    if incomplete:
        text = _(
            "Your last interests inventory has too many unanswered items to give a code. "
            "Taking it again (about ten minutes) will let me suggest jobs to explore."
        )
    else:
        text = _(
            "To suggest jobs to explore, I start from your interests. You have not taken "
            "the interests inventory yet: it takes about ten minutes, and you can stop and "
            "resume whenever you like."
        )
    return Screen(
        text,
        [
            [button(_("📝 Take the interests inventory"), INVENTORY)],
            [button(_("🔤 Choose letters myself"), "m:L:")],
        ],
    )


def letters_screen(_: Translate, locale: str, letters: str, intro: str | None = None) -> Screen:
    """Choose one to three RIASEC letters, in order; each press carries the letters so far."""
    lines = [intro, ""] if intro else []
    lines.append(
        _(
            "Choose one to three letters, the one that suits you best first. "
            "Press a chosen letter again to remove it."
        )
    )
    if letters:
        lines += [
            "",
            _("Your letters: <b>{code}</b> ({names})").format(
                code=letters, names=_letters_names(letters, locale)
            ),
        ]
    rows: list[list[InlineKeyboardButton]] = []
    row: list[InlineKeyboardButton] = []
    for letter in RIASEC:
        chosen = letter in letters
        if chosen:
            after = letters.replace(letter, "")
        elif len(letters) < 3:
            after = letters + letter
        else:
            after = letters
        mark = "✅ " if chosen else ""
        row.append(button(f"{mark}{letter} · {riasec_name(letter, locale)}", f"m:L:{after}"))
        if len(row) == 2:
            rows.append(row)
            row = []
    if letters:
        rows.append(
            [button(_("🔭 See the job sheets ({code})").format(code=letters), f"m:p:{letters}:0")]
        )
    return Screen("\n".join(lines), rows)


def _flat_intro(_: Translate) -> str:
    return _(
        "Your interests inventory does not single out a clear profile (a flat profile): "
        "a code drawn from it would say little, so I do not suggest jobs from it. It is "
        "well worth talking through with your counsellor.\n\n"
        "Meanwhile, you can browse job sheets by choosing letters yourself."
    )


@lru_cache(maxsize=64)
def ranked_domains(code: str) -> tuple[DomainPistes, ...]:
    """The domains matching ``code`` in the order :mod:`dialogues.rome.pistes` ranks them.

    The order is the library's own with its default of three sheets per domain,
    so that the beneficiary's screens and the counsellor's summary agree.
    """
    return tuple(load_rome().pistes(code, per_page=10_000, per_domain=SHEETS_PER_SCREEN).domains)


@lru_cache(maxsize=64)
def _all_sheets(code: str) -> dict[str, list[ScoredSheet]]:
    every = load_rome().pistes(code, per_page=10_000, per_domain=10_000).domains
    return {domain.code: domain.sheets for domain in every}


def pistes_screen(
    _: Translate,
    locale: str,
    code: str,
    domain_index: int,
    sheet_page: int = 0,
    intro: str | None = None,
) -> Screen:
    """One professional domain of the pistes of ``code``, a few sheets at a time."""
    rome = load_rome()
    domains = ranked_domains(code)
    head = [intro, ""] if intro else []
    head.append(
        _("<b>Jobs to explore for {code}</b> ({names})").format(
            code=code, names=_letters_names(code, locale)
        )
    )
    if not domains:
        return Screen(
            "\n".join(
                [*head, "", _("No job sheet matches these letters."), "", _attribution(rome)]
            ),
            [[button(_("🔤 Choose other letters"), f"m:L:{code}")]],
        )
    index = min(max(domain_index, 0), len(domains) - 1)
    domain = domains[index]
    sheets = _all_sheets(code)[domain.code]
    sheet_pages = _page_count(len(sheets), SHEETS_PER_SCREEN)
    sheet_page = min(max(sheet_page, 0), sheet_pages - 1)
    shown = sheets[sheet_page * SHEETS_PER_SCREEN : (sheet_page + 1) * SHEETS_PER_SCREEN]
    head += [
        "",
        _("Domain {n} of {total}: <b>{domain}</b>").format(
            n=index + 1, total=len(domains), domain=_e(domain.label)
        ),
        "<i>" + _e(domain.grand_domain) + "</i>",
    ]
    if sheet_pages > 1:
        head.append(
            _("Job sheets {first} to {last} of {count} in this domain").format(
                first=sheet_page * SHEETS_PER_SCREEN + 1,
                last=sheet_page * SHEETS_PER_SCREEN + len(shown),
                count=len(sheets),
            )
        )
    body: list[str] = []
    rows: list[list[InlineKeyboardButton]] = []
    here = f"p:{code}:{index}:{sheet_page}"
    for scored in shown:
        sheet = scored.sheet
        body += [
            "",
            f"• <b>{_e(sheet.title)}</b> ({sheet.code})",
            f"<i>{_e(_short(sheet.summary, SUMMARY_TEXT))}</i>",
        ]
        label = _("📄 See the sheet: {title}").format(title=_short(sheet.title, BUTTON_TEXT))
        rows.append([button(label, f"m:f:{sheet.code}:{here}")])
    if sheet_page + 1 < sheet_pages:
        rows.append([button(_("➕ More in this domain"), f"m:p:{code}:{index}:{sheet_page + 1}")])
    nav = []
    if index > 0:
        nav.append(button(_("◀ Previous domain"), f"m:p:{code}:{index - 1}"))
    if index + 1 < len(domains):
        nav.append(button(_("Next domain ▶"), f"m:p:{code}:{index + 1}"))
    if nav:
        rows.append(nav)
    rows.append(
        [
            button(_("🗂 All domains"), f"m:d:{code}:{index // DOMAINS_PER_SCREEN}"),
            button(_("🔤 Other letters"), f"m:L:{code}"),
        ]
    )
    tail = ["", _starting_point(_), _attribution(rome)]
    return Screen(_fit(head, body, tail), rows)


def domains_screen(_: Translate, locale: str, code: str, list_page: int) -> Screen:
    """Every domain that matches ``code``, as buttons, a screenful at a time."""
    ngettext = ngettext_of(_)
    rome = load_rome()
    domains = ranked_domains(code)
    pages = _page_count(len(domains), DOMAINS_PER_SCREEN)
    list_page = min(max(list_page, 0), pages - 1)
    first = list_page * DOMAINS_PER_SCREEN
    lines = [
        _("<b>Domains matching {code}</b> ({names})").format(
            code=code, names=_letters_names(code, locale)
        ),
        ngettext(
            "{count} domain matches. Choose it:",
            "{count} domains, best matches first. Choose one:",
            len(domains),
        ).format(count=len(domains)),
        "",
        _attribution(rome),
    ]
    rows = [
        [button(f"{_short(domain.label, BUTTON_TEXT)} ({domain.matching})", f"m:p:{code}:{i}")]
        for i, domain in enumerate(domains[first : first + DOMAINS_PER_SCREEN], start=first)
    ]
    nav = _nav(
        _,
        f"m:d:{code}:{list_page - 1}" if list_page > 0 else None,
        f"m:d:{code}:{list_page + 1}" if list_page + 1 < pages else None,
    )
    if nav:
        rows.append(nav)
    return Screen("\n".join(lines), rows)


def sheet_screen(_: Translate, sheet: Sheet, back: str) -> Screen:
    """A job sheet: its definition and how one gets into the job (*accès au métier*)."""
    rome = load_rome()
    head = [
        f"<b>{_e(sheet.title)}</b> ({sheet.code})",
        f"<i>{_e(sheet.domain)} — {_e(sheet.grand_domain)}</i>",
    ]
    body: list[str] = []
    if sheet.definition:
        body += ["", _e(sheet.definition[0])]
        body += [f"• {_e(line)}" for line in sheet.definition[1:]]
    body += ["", "<b>" + _("Getting into this job") + "</b>"]
    body += [_e(line) for line in sheet.access] or [_("Not stated on the sheet.")]
    if sheet.regulated:
        body += [
            "",
            _("⚖️ A regulated occupation: a specific diploma or authorisation is required."),
        ]
    tail = ["", _attribution(rome)]
    return Screen(_fit(head, body, tail), [[button(_("◀ Back"), PREFIX + back)]])


# --- job, skills and moves screens -------------------------------------------------


def _job_title(rome: Rome, job: CurrentJob) -> str:
    try:
        return rome.appellation(job.appellation_id).title
    except KeyError:
        return rome.sheet(job.sheet_code).title


def _sheet_skills(rome: Rome, code: str) -> list[Skill]:
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
            ).format(typed=_e(typed)),
            [[button(_("✖ Cancel"), "m:x")]],
        )
    lines = [
        _("Which of these is closest to your job?"),
        "",
        _("None of them? Type other words."),
        "",
        _attribution(rome),
    ]
    rows = [[button(_short(match.title, BUTTON_TEXT), f"m:a:{match.id}")] for match in matches]
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
        _("<b>Your current or last job:</b> {title}").format(title=_e(_job_title(rome, job))),
        _("Job sheet: {sheet} ({code})").format(sheet=_e(sheet.title), code=sheet.code),
        _("Skills ticked: {count}").format(count=len(job.ticked)),
        "",
        _attribution(rome),
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
    skills = _sheet_skills(rome, job.sheet_code)
    pages = _page_count(len(skills), SKILLS_PER_SCREEN)
    page = min(max(page, 0), pages - 1)
    first = page * SKILLS_PER_SCREEN
    shown = skills[first : first + SKILLS_PER_SCREEN]
    ticked = set(job.draft)
    sheet_ids = {s.id for s in skills}
    head = [intro, ""] if intro else []
    head += [
        _("<b>Your skills in this job</b> ({title})").format(title=_e(_job_title(rome, job))),
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
        body.append(f"{mark} {number}. {_e(skill.label)}")
        rows.append(
            [
                button(
                    f"{mark} {number}. {_short(skill.label, BUTTON_TEXT)}", f"m:t:{skill.id}:{page}"
                )
            ]
        )
    nav = _nav(
        _,
        f"m:s:{page - 1}" if page > 0 else None,
        f"m:s:{page + 1}" if page + 1 < pages else None,
    )
    if nav:
        rows.append(nav)
    rows.append([button(_("💾 Save my skills"), "m:ok")])
    tail = ["", _attribution(rome)]
    return Screen(_fit(head, body, tail), rows)


def moves_screen(_: Translate, job: CurrentJob, page: int, intro: str | None = None) -> Screen:
    """The moves ROME lists from the job, ranked, with the ticked skills each target shares."""
    rome = load_rome()
    targets = rome.mobilities(job.sheet_code)
    head = [intro, ""] if intro else []
    head.append(
        _("<b>Where people go from this job</b> ({title})").format(title=_e(_job_title(rome, job)))
    )
    rows: list[list[InlineKeyboardButton]] = []
    if not targets:
        head += ["", _("France Travail lists no usual move from this job sheet.")]
        rows.append([button(_("✏️ Another job"), "m:jn")])
        return Screen("\n".join([*head, "", _attribution(rome)]), rows)
    pages = _page_count(len(targets), MOVES_PER_SCREEN)
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
        body += ["", f"<b>{number}. {_e(target.title)}</b> ({target.code})"]
        if job.ticked:
            shared = rome.transferable(job.sheet_code, job.ticked, target.code)
            if shared:
                labels = _("; ").join(_e(s.label) for s in shared[:SHARED_SHOWN])
                more = len(shared) - SHARED_SHOWN
                if more > 0:
                    labels += " " + _("(and {count} more)").format(count=more)
                body.append(_("🔁 Your skills it also asks for: {skills}").format(skills=labels))
            else:
                body.append(_("None of your ticked skills is listed for it as such."))
        rows.append(
            [
                button(
                    f"📄 {number}. " + _short(target.title, BUTTON_TEXT),
                    f"m:f:{target.code}:mb:{page}",
                )
            ]
        )
    nav = _nav(
        _,
        f"m:mb:{page - 1}" if page > 0 else None,
        f"m:mb:{page + 1}" if page + 1 < pages else None,
    )
    if nav:
        rows.append(nav)
    rows.append([button(_("✅ My skills"), "m:se"), button(_("✏️ Another job"), "m:jn")])
    tail = ["", _starting_point(_), _attribution(rome)]
    return Screen(_fit(head, body, tail), rows)


# --- the counsellor's view ---------------------------------------------------------


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
                title=_e(_job_title(rome, job)), sheet=_e(sheet.title), code=sheet.code
            )
        )
        labels = {s.id: s.label for s in _sheet_skills(rome, job.sheet_code)}
        ticked = [labels[i] for i in job.ticked if i in labels]
        if ticked:
            lines.append(_("Skills ticked ({count}):").format(count=len(ticked)))
            lines += [f"• {_e(label)}" for label in ticked[:SUMMARY_SKILLS_SHOWN]]
            if len(ticked) > SUMMARY_SKILLS_SHOWN:
                lines.append(
                    _("(and {count} more)").format(count=len(ticked) - SUMMARY_SKILLS_SHOWN)
                )
        else:
            lines.append(_("Skills ticked: none yet."))
    lines.append("")
    if latest is None:
        lines.append(_("Interests inventory: not taken yet."))
    elif latest.result.code is None or not _valid_code(latest.result.code):
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
            ).format(code=code, names=_letters_names(code, locale), date=when)
        )
        for domain in ranked_domains(code)[:SUMMARY_DOMAINS_SHOWN]:
            titles = _("; ").join(_e(s.sheet.title) for s in domain.sheets)
            lines.append(
                "• "
                + _("{domain}: {titles}").format(domain=f"<i>{_e(domain.label)}</i>", titles=titles)
            )
    counsellor_note = _("Starting points for your conversation with the person, not verdicts.")
    lines += ["", f"<i>{counsellor_note}</i>", _attribution(rome)]
    return _fit(lines[:1], lines[1:-2], lines[-2:])


# --- sending -----------------------------------------------------------------------


async def _reply(update: Update, screen: Screen) -> None:
    message = update.effective_message
    if message is None:
        return
    await message.reply_text(
        screen.text,
        parse_mode=ParseMode.HTML,
        reply_markup=screen.markup,
    )


async def _edit(query: CallbackQuery, screen: Screen) -> None:
    try:
        await query.edit_message_text(
            screen.text,
            parse_mode=ParseMode.HTML,
            reply_markup=screen.markup,
        )
    except BadRequest as error:
        # The same button pressed twice: the screen is already what it should be.
        if "not modified" not in error.message.lower():
            raise


# --- routing presses ---------------------------------------------------------------


def _number(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        raise Stale
    return int(text)


def _code(text: str, allow_empty: bool = False) -> str:
    if allow_empty and text == "":
        return ""
    try:
        code = normalise_code(text)
    except ValueError:
        raise Stale from None
    if code != text:
        raise Stale
    return code


def _valid_code(code: str) -> bool:
    try:
        return normalise_code(code) == code
    except ValueError:
        return False


def _beneficiary(caller: Caller) -> BeneficiaryActor:
    if not isinstance(caller.actor, BeneficiaryActor):
        raise Stale
    return caller.actor


async def _own_job(session: AsyncSession, actor: BeneficiaryActor) -> CurrentJob:
    job = await current_job(session, actor, actor.beneficiary_id)
    if job is None or job.sheet_code not in load_rome():
        raise Stale
    return job


async def pistes_entry(caller: Caller, context: Context) -> Screen:
    """Pistes from the beneficiary's latest code; letters to choose for anyone else."""
    _ = caller._
    actor = caller.actor
    if not isinstance(actor, BeneficiaryActor):
        return letters_screen(_, caller.locale, "")
    async with work(context) as session:
        # Gone to the pistes: a text typed from now on is not a job title.
        await stop_job_title_wait(session, actor)
        latest = await latest_riasec(session, actor, actor.beneficiary_id)
    if latest is None:
        return _no_result_screen(_, incomplete=False)
    result = latest.result
    if result.code is not None and _valid_code(result.code):
        intro = _(
            "Your interests inventory gives the Holland code <b>{code}</b>. Here are ROME "
            "job sheets that match it, domain by domain, the closest first."
        ).format(code=result.code)
        return pistes_screen(_, caller.locale, result.code, 0, intro=intro)
    if result.flat:
        return letters_screen(_, caller.locale, "", intro=_flat_intro(_))
    return _no_result_screen(_, incomplete=True)


async def job_entry(caller: Caller, context: Context, typed: str = "") -> Screen:
    """The job already chosen, or the question that waits for a typed title."""
    _ = caller._
    actor = caller.actor
    if not isinstance(actor, BeneficiaryActor):
        return Screen(_("This is for beneficiaries: it starts from their own job."))
    async with work(context) as session:
        job = None if typed else await current_job(session, actor, actor.beneficiary_id)
        if job is not None and job.sheet_code not in load_rome():
            job = None  # a sheet dropped by a newer ROME: ask for the job again
        if job is None:
            await start_job_title_wait(session, actor)
    if job is not None:
        return job_screen(_, job)
    return title_matches_screen(_, typed) if typed else ask_title_screen(_)


async def _route(caller: Caller, data: str, context: Context) -> Screen:
    """The screen a press leads to; :class:`Stale` when it no longer makes sense."""
    _ = caller._
    locale = caller.locale
    kind, *args = data.removeprefix(PREFIX).split(":")
    if kind == "pistes" and not args:
        return await pistes_entry(caller, context)
    if kind == "L" and len(args) == 1:
        return letters_screen(_, locale, _code(args[0], allow_empty=True))
    if kind == "p" and len(args) in (2, 3):
        sheet_page = _number(args[2]) if len(args) == 3 else 0
        return pistes_screen(_, locale, _code(args[0]), _number(args[1]), sheet_page)
    if kind == "d" and len(args) == 2:
        return domains_screen(_, locale, _code(args[0]), _number(args[1]))
    if kind == "f" and len(args) >= 2:
        rome = load_rome()
        back = ":".join(args[1:])
        if args[0] not in rome or not _valid_back(back):
            raise Stale
        return sheet_screen(_, rome.sheet(args[0]), back)
    if kind == "ben" and len(args) == 1:
        async with work(context) as session:
            assert caller.actor is not None
            text = await counsellor_summary(session, caller.actor, _number(args[0]), locale)
        return Screen(text, [[button(_("👥 My beneficiaries"), "ben:list")]])
    return await _job_route(caller, kind, args, context)


def _valid_back(back: str) -> bool:
    """Only the screens a sheet is opened from: a pistes page or a moves page."""
    kind, *args = back.split(":")
    try:
        if kind == "p" and len(args) in (2, 3):
            _code(args[0])
            for arg in args[1:]:
                _number(arg)
            return True
        if kind == "mb" and len(args) == 1:
            _number(args[0])
            return True
    except Stale:
        return False
    return False


async def _job_route(caller: Caller, kind: str, args: list[str], context: Context) -> Screen:
    _ = caller._
    if kind == "job" and not args:
        return await job_entry(caller, context)
    actor = _beneficiary(caller)
    rome = load_rome()
    if kind == "jn" and not args:
        async with work(context) as session:
            await start_job_title_wait(session, actor)
        return ask_title_screen(_)
    if kind == "x" and not args:
        async with work(context) as session:
            await stop_job_title_wait(session, actor)
        return Screen(_("Stopped. You can come back to it from the menu."))
    if kind == "a" and len(args) == 1:
        try:
            appellation = rome.appellation(args[0])
        except KeyError:
            raise Stale from None
        async with work(context) as session:
            job = await choose_job(session, actor, appellation.id, appellation.code)
        intro = _("Noted: <b>{title}</b>.").format(title=_e(appellation.title))
        return skills_screen(_, job, 0, intro=intro)
    if kind == "se" and not args:
        async with work(context) as session:
            await _own_job(session, actor)
            job = await begin_skill_edit(session, actor)
        return skills_screen(_, job, 0)
    if kind == "s" and len(args) == 1:
        async with work(context) as session:
            job = await _own_job(session, actor)
        return skills_screen(_, job, _number(args[0]))
    if kind == "t" and len(args) == 2:
        skill_id, page = args[0], _number(args[1])
        async with work(context) as session:
            job = await _own_job(session, actor)
            if skill_id not in {s.id for s in _sheet_skills(rome, job.sheet_code)}:
                raise Stale
            job = await toggle_draft_skill(session, actor, skill_id)
        return skills_screen(_, job, page)
    if kind == "ok" and not args:
        async with work(context) as session:
            job = await _own_job(session, actor)
            sheet_ids = [s.id for s in _sheet_skills(rome, job.sheet_code)]
            job = await save_skills(session, actor, keep_only=sheet_ids)
        intro = _("Saved. Skills ticked: {count}.").format(count=len(job.ticked))
        return replace(moves_screen(_, job, 0, intro=intro), notice=_("Saved"))
    if kind == "mb" and len(args) == 1:
        async with work(context) as session:
            job = await _own_job(session, actor)
        return moves_screen(_, job, _number(args[0]))
    raise Stale


# --- handlers ----------------------------------------------------------------------


async def metiers_command(update: Update, context: Context) -> None:
    """``/metiers``: the pistes of the latest Holland code."""
    caller = await known_caller(update, context)
    if caller is None:
        return
    await _reply(update, await pistes_entry(caller, context))


async def competences_command(update: Update, context: Context) -> None:
    """``/competences_metier [title]``: my job and its skills; a title may follow the command."""
    caller = await known_caller(update, context)
    if caller is None:
        return
    typed = " ".join(context.args or [])
    await _reply(update, await job_entry(caller, context, typed))


async def on_button(update: Update, context: Context) -> None:
    """Every ``m:`` press: re-parsed, re-checked against the caller, shown in place."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    caller = await known_caller(update, context)
    if caller is None:
        return
    try:
        screen = await _route(caller, query.data, context)
    except (Stale, AccessDenied):
        log.info("stale or refused metiers press")
        await query.answer(caller._("This button is no longer active."))
        return
    await query.answer(screen.notice)
    await _edit(query, screen)


async def handle_text(update: Update, context: Context) -> bool:
    """A typed job title, if this beneficiary was asked for one; True when consumed.

    Called by the general text router before other flows. The expectation is
    read from the database, so it survives a restart and holds across processes.
    """
    message = update.message
    text = message.text if message is not None else None
    if not text or text.startswith("/"):
        return False
    caller = await identify(update, context)
    if caller is None or not isinstance(caller.actor, BeneficiaryActor):
        return False
    async with work(context) as session:
        if not await awaiting_job_title(session, caller.actor):
            return False
    await _reply(update, title_matches_screen(caller._, text))
    return True


TEXT_FLOWS = (Flow((JOB_TITLE_FLOW,), handle_text, lambda _wait, _: _("the search for your job")),)
