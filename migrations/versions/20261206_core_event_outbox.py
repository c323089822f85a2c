"""core event outbox: events not yet taken by every subscriber (core_event, core_event_delivery)

Revision ID: 2c8a6348d92a
Revises: de2b8307462e
Create Date: 2026-12-06 06:55:51.644632
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import civicapi.core.db.base

revision: str = "2c8a6348d92a"
down_revision: str | Sequence[str] | None = "de2b8307462e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = civicapi.core.db.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "core_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("commune_id", sa.Uuid(), nullable=True),
        sa.Column("source_module", sa.String(length=40), nullable=True),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("occurred_at", UTC_TIME, nullable=False),
        sa.Column("due_at", UTC_TIME, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("abandoned_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes_commune.id"],
            name=op.f("fk_core_event_commune_id_communes_commune"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_event")),
    )
    with op.batch_alter_table("core_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_core_event_commune_id"), ["commune_id"], unique=False)
        batch_op.create_index("ix_core_event_due_at", ["due_at"], unique=False)

    op.create_table(
        "core_event_delivery",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("subscriber", sa.String(length=200), nullable=False),
        sa.Column("delivered_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["core_event.id"],
            name=op.f("fk_core_event_delivery_event_id_core_event"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "subscriber", name=op.f("pk_core_event_delivery")),
    )


def downgrade() -> None:
    op.drop_table("core_event_delivery")
    with op.batch_alter_table("core_event", schema=None) as batch_op:
        batch_op.drop_index("ix_core_event_due_at")
        batch_op.drop_index(batch_op.f("ix_core_event_commune_id"))
    op.drop_table("core_event")
