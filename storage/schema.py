"""Imports every module that defines tables, so that ``Base.metadata`` is complete.

Alembic and the tests import this one module instead of knowing the list.
"""

from storage import models, outbox, responses, skills  # noqa: F401
