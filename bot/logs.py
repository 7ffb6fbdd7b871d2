"""Logging that carries ids, never content.

The HTTP client logs every request URL, and Bot API URLs contain the bot
token: those loggers are kept at WARNING, and a filter masks anything shaped
like a token in every record as a second line of defence.
"""

from __future__ import annotations

import logging
import re

TOKEN_PATTERN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")
QUIET_LOGGERS = ("httpx", "httpcore", "apscheduler", "aiosqlite", "asyncio", "alembic")
# At DEBUG these write out whole updates, API calls and documents: answers and names.
CONTENT_LOGGERS = ("telegram", "fontTools", "fpdf", "matplotlib", "PIL")


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
