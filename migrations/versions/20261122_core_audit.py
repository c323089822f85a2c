"""core audit: the audit trail (core_audit_entry)

Revision ID: 385a2f8245e0
Revises: 1ee77dc74a71
Create Date: 2026-11-22 00:44:01.064719
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import civicapi.core.db.base

revision: str = "385a2f8245e0"
down_revision: str | Sequence[str] | None = "1ee77dc74a71"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "core_audit_entry",
        sa.Column("commune_id", sa.Uuid(), nullable=True),
        sa.Column("actor_type", sa.String(length=10), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("resource_module", sa.String(length=40), nullable=False),
        sa.Column("resource_type", sa.String(length=40), nullable=False),
        sa.Column("resource_id", sa.Uuid(), nullable=True),
        sa.Column(
            "changes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("created_at", civicapi.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes_commune.id"],
            name=op.f("fk_core_audit_entry_commune_id_communes_commune"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_audit_entry")),
    )
    with op.batch_alter_table("core_audit_entry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_core_audit_entry_commune_created", ["commune_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_core_audit_entry_resource", ["resource_module", "resource_type", "resource_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("core_audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_core_audit_entry_resource")
        batch_op.drop_index("ix_core_audit_entry_commune_created")

    op.drop_table("core_audit_entry")
