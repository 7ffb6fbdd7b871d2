"""ids never reused: AUTOINCREMENT on SQLite for every table with a surrogate id

SQLite hands out ``max(rowid) + 1``: erase the newest beneficiary and the next
one invited gets their id, so a stale button, deep link or queued row naming
the old id would reach the new person. ``AUTOINCREMENT`` never goes back. It
can only be given when a table is created, so each table is recreated (batch
mode, rows copied). PostgreSQL's SERIAL sequences never go back already:
nothing to do there.

Revision ID: 7c3e9a41d2b6
Revises: 7c1d2e3f4a5b
Create Date: 2026-12-02 15:20:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "7c3e9a41d2b6"
down_revision: str | None = "7c1d2e3f4a5b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Parents before children, as the rows are copied.
TABLES = (
    "counsellors",
    "beneficiaries",
    "invitations",
    "audit_events",
    "instrument_runs",
    "answers",
    "counselling_sessions",
    "tasks",
    "journal_entries",
    "plan_steps",
    "plan_inputs",
    "portfolio_skills",
    "synthesis_versions",
    "synthesis_comments",
    "followup_checkins",
    "outbox",
)


def _recreate(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # env.py turns foreign keys off around SQLite migrations: dropping the old
    # copy of a parent table must not cascade to its children's rows.
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    _recreate(autoincrement=True)


def downgrade() -> None:
    _recreate(autoincrement=False)
