"""budgets: reminders to accounts whose ballot is not finished (budgets_vote_reminder)

Revision ID: 222a559de0a6
Revises: 7d1e0c5b9a21
Create Date: 2026-12-06 09:45:58.892003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import civicapi.core.db.base

revision: str = "222a559de0a6"
down_revision: str | Sequence[str] | None = "7d1e0c5b9a21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "budgets_vote_reminder",
        sa.Column("component_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("sent_count", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", civicapi.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("commune_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("sent_count > 0", name=op.f("ck_budgets_vote_reminder_sent_count")),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes_commune.id"],
            name=op.f("fk_budgets_vote_reminder_commune_id_communes_commune"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["component_id"],
            ["spaces_component.id"],
            name=op.f("fk_budgets_vote_reminder_component_id_spaces_component"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_user.id"],
            name=op.f("fk_budgets_vote_reminder_user_id_identity_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budgets_vote_reminder")),
        sa.UniqueConstraint(
            "component_id", "user_id", name=op.f("uq_budgets_vote_reminder_component_id_user_id")
        ),
    )
    with op.batch_alter_table("budgets_vote_reminder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_budgets_vote_reminder_commune_id"), ["commune_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_budgets_vote_reminder_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("budgets_vote_reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budgets_vote_reminder_user_id"))
        batch_op.drop_index(batch_op.f("ix_budgets_vote_reminder_commune_id"))
    op.drop_table("budgets_vote_reminder")
