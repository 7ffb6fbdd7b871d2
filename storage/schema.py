"""Imports every module that defines tables, so that ``Base.metadata`` is complete.

Alembic and the tests import this one module instead of knowing the list.
"""

from storage import (  # noqa: F401
    contacts,
    conversation,
    desk_logins,
    digest,
    enquetes,
    followups,
    indicators,
    journal,
    models,
    outbox,
    plans,
    portfolio,
    responses,
    rights,
    sessions,
    skills,
    synthesis,
    tasks,
)
