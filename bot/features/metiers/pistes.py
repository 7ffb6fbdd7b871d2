"""The pistes screens (``/metiers``): ROME job sheets from a Holland code, domain by domain.

From the beneficiary's latest interests inventory, or from one to three
letters anyone may choose (a flat profile gets no forced code). Each domain
shows a few sheets at a time, each openable on its definition and *accès au
métier*. The position (code, domain, page) travels in the buttons; the
domains are ranked once per code (:func:`ranked_domains`), so that these
screens and the counsellor's summary agree.
"""

from __future__ import annotations

from functools import lru_cache

from telegram import InlineKeyboardButton

from bot.features.metiers.layout import (
    BUTTON_TEXT,
    DOMAINS_PER_SCREEN,
    SHEETS_PER_SCREEN,
    SUMMARY_TEXT,
    attribution,
    fit,
    letters_names,
    nav_row,
    page_count,
    starting_point,
)
from bot.i18n import Translate, ngettext_of
from bot.keyboards import button
from bot.kit.screens import Screen, e
from dialogues.results import riasec_name
from dialogues.rome import DomainPistes, ScoredSheet, Sheet, load_rome
from dialogues.rome.pistes import RIASEC
from dialogues.typography import shorten

PREFIX = "m:"
INVENTORY = "q:open:riasec_short"
"""The short interests inventory's button (bot/features/questionnaire/flow.py)."""


def no_result_screen(_: Translate, incomplete: bool) -> Screen:
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
                code=letters, names=letters_names(letters, locale)
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


def flat_intro(_: Translate) -> str:
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
def all_sheets(code: str) -> dict[str, list[ScoredSheet]]:
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
            code=code, names=letters_names(code, locale)
        )
    )
    if not domains:
        return Screen(
            "\n".join([*head, "", _("No job sheet matches these letters."), "", attribution(rome)]),
            [[button(_("🔤 Choose other letters"), f"m:L:{code}")]],
        )
    index = min(max(domain_index, 0), len(domains) - 1)
    domain = domains[index]
    sheets = all_sheets(code)[domain.code]
    sheet_pages = page_count(len(sheets), SHEETS_PER_SCREEN)
    sheet_page = min(max(sheet_page, 0), sheet_pages - 1)
    shown = sheets[sheet_page * SHEETS_PER_SCREEN : (sheet_page + 1) * SHEETS_PER_SCREEN]
    head += [
        "",
        _("Domain {n} of {total}: <b>{domain}</b>").format(
            n=index + 1, total=len(domains), domain=e(domain.label)
        ),
        "<i>" + e(domain.grand_domain) + "</i>",
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
            f"• <b>{e(sheet.title)}</b> ({sheet.code})",
            f"<i>{e(shorten(sheet.summary, SUMMARY_TEXT))}</i>",
        ]
        label = _("📄 See the sheet: {title}").format(title=shorten(sheet.title, BUTTON_TEXT))
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
    tail = ["", starting_point(_), attribution(rome)]
    return Screen(fit(head, body, tail), rows)


def domains_screen(_: Translate, locale: str, code: str, list_page: int) -> Screen:
    """Every domain that matches ``code``, as buttons, a screenful at a time."""
    ngettext = ngettext_of(_)
    rome = load_rome()
    domains = ranked_domains(code)
    pages = page_count(len(domains), DOMAINS_PER_SCREEN)
    list_page = min(max(list_page, 0), pages - 1)
    first = list_page * DOMAINS_PER_SCREEN
    lines = [
        _("<b>Domains matching {code}</b> ({names})").format(
            code=code, names=letters_names(code, locale)
        ),
        ngettext(
            "{count} domain matches. Choose it:",
            "{count} domains, best matches first. Choose one:",
            len(domains),
        ).format(count=len(domains)),
        "",
        attribution(rome),
    ]
    rows = [
        [button(f"{shorten(domain.label, BUTTON_TEXT)} ({domain.matching})", f"m:p:{code}:{i}")]
        for i, domain in enumerate(domains[first : first + DOMAINS_PER_SCREEN], start=first)
    ]
    nav = nav_row(
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
        f"<b>{e(sheet.title)}</b> ({sheet.code})",
        f"<i>{e(sheet.domain)} — {e(sheet.grand_domain)}</i>",
    ]
    body: list[str] = []
    if sheet.definition:
        body += ["", e(sheet.definition[0])]
        body += [f"• {e(line)}" for line in sheet.definition[1:]]
    body += ["", "<b>" + _("Getting into this job") + "</b>"]
    body += [e(line) for line in sheet.access] or [_("Not stated on the sheet.")]
    if sheet.regulated:
        body += [
            "",
            _("⚖️ A regulated occupation: a specific diploma or authorisation is required."),
        ]
    tail = ["", attribution(rome)]
    return Screen(fit(head, body, tail), [[button(_("◀ Back"), PREFIX + back)]])
