"""Keep the gettext catalogs in step with the code.

    python scripts/i18n.py update   # extract msgids from bot/ and merge them into fr and en
    python scripts/i18n.py check    # exit 1 listing every msgid missing a translation

Message ids are English, so a new id gets its English ``msgstr`` filled with
itself and an empty French one, which ``check`` (and the test suite) reports
until someone translates it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from dialogues.languages import codes

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = {"bot": ROOT / "bot", "dialogues": ROOT / "dialogues"}
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
LOCALES = codes()
# The desk's Jinja2 templates (bot/desk/templates) call _() and ngettext() like the code.
METHOD_MAP = [("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")]
OPTIONS_MAP = {"**/templates/**.html": {"trim_blocks": "true", "lstrip_blocks": "true"}}


def _found(source: Path) -> Iterator[tuple[str, int, Any, list[str], str | None]]:
    """The desk (bot/desk) is read last, so its ids come after those already in the catalogs."""
    desk = source / "desk"

    def not_desk(path: str) -> bool:
        return Path(path).resolve() != desk.resolve()

    yield from extract_from_dir(
        source,
        method_map=METHOD_MAP,
        options_map=OPTIONS_MAP,
        keywords=KEYWORDS,
        directory_filter=not_desk,
    )
    if desk.is_dir():
        yield from extract_from_dir(
            desk, method_map=METHOD_MAP, options_map=OPTIONS_MAP, keywords=KEYWORDS
        )


def extract(source: Path) -> Catalog:
    template = Catalog()
    for filename, lineno, message, comments, context in _found(source):
        template.add(
            message, locations=[(filename, lineno)], auto_comments=comments, context=context
        )
    return template


def po_path(domain: str, locale: str) -> Path:
    return DOMAINS[domain] / "locales" / locale / "LC_MESSAGES" / f"{domain}.po"


def read(path: Path, locale: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=locale)
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def update(domain: str) -> None:
    template = extract(DOMAINS[domain])
    for locale in LOCALES:
        path = po_path(domain, locale)
        catalog = read(path, locale)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        for message in catalog:
            if message.id and locale == "en" and not message.string:
                message.string = message.id
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, omit_header=False, no_location=True, width=100)


def missing(domain: str) -> list[str]:
    """``locale: msgid`` for every extracted id without a translation."""
    template = extract(DOMAINS[domain])
    problems = []
    for locale in LOCALES:
        catalog = read(po_path(domain, locale), locale)
        for message in template:
            if not message.id:
                continue
            found = catalog.get(message.id)
            strings = found.string if found else None
            empty = not strings or (isinstance(strings, tuple) and not all(strings))
            if found is None or empty or found.fuzzy:
                problems.append(f"{locale}: {message.id!r}")
    return problems


def main() -> int:
    action = sys.argv[1] if len(sys.argv) > 1 else "check"
    domains = [d for d in DOMAINS if (DOMAINS[d] / "locales").exists() or d == "bot"]
    if action == "update":
        update("bot")
        return 0
    problems = [p for d in domains for p in missing(d)]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
