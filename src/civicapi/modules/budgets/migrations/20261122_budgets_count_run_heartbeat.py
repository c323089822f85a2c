"""budgets: count runs carry a heartbeat (runs abandoned by a dead process are recognised)

Revision ID: 7d1e0c5b9a21
Revises: 39ebf906a1e8
Create Date: 2026-11-22 14:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import civicapi.core.db.base

revision: str = "7d1e0c5b9a21"
down_revision: str | Sequence[str] | None = "39ebf906a1e8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("budgets_count_run") as batch:
        batch.add_column(
            sa.Column("heartbeat_at", civicapi.core.db.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("budgets_count_run") as batch:
        batch.drop_column("heartbeat_at")
