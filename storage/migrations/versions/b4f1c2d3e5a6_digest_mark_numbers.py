"""digest preferences: number each mark, so a digest is keyed by the mark it starts from

Revision ID: b4f1c2d3e5a6
Revises: 993460eace0e
Create Date: 2026-12-03 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b4f1c2d3e5a6"
down_revision: str | None = "993460eace0e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("digest_preferences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("marks", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("digest_preferences", schema=None) as batch_op:
        batch_op.drop_column("marks")
