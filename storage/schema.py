"""Imports every module that defines tables, so that ``Base.metadata`` is complete.

Alembic and the tests import this one module instead of knowing the list.
"""

from storage import indicators, models, outbox, responses, rights, skills  # noqa: F401
