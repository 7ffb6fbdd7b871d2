"""Logging that carries ids, never content.

The HTTP client logs every request URL, and Bot API URLs contain the bot
token: those loggers are kept at WARNING, and a filter masks anything shaped
like a token in every record as a second line of defence.

Libraries that lay out a person's text can quote it in their own warnings:
fpdf2 warns "Font … is missing the following glyphs: '秘' …" when a journal
note in Japanese meets a font without those characters, which would put the
note in the log. Those loggers are kept at ERROR. python-telegram-bot's own
loggers write whole updates only at DEBUG, and its warnings (network errors,
retries) are what an administrator needs: they stay at WARNING.
"""

from __future__ import annotations

import logging
import re

TOKEN_PATTERN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")
QUIET_LOGGERS = ("aiohttp", "httpx", "httpcore", "apscheduler", "aiosqlite", "asyncio", "alembic")
# At DEBUG these write out whole updates and API calls: answers and names.
CONTENT_LOGGERS = ("telegram",)
# These lay out documents and charts and quote their text in warnings too.
DOCUMENT_LOGGERS = ("fpdf", "fontTools", "matplotlib", "PIL", "docx")


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if TOKEN_PATTERN.search(message):
            record.msg = TOKEN_PATTERN.sub("<token>", message)
            record.args = None
        return True


def setup(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in (*QUIET_LOGGERS, *CONTENT_LOGGERS):
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in DOCUMENT_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
