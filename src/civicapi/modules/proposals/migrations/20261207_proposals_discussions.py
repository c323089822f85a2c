"""proposals discussed at meetings (from the agenda's events)

Revision ID: 7d1e4b2a9c60
Revises: 3c69d9458d2b
Create Date: 2026-12-07 22:35:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import civicapi.core.db.base

revision: str = "7d1e4b2a9c60"
down_revision: str | Sequence[str] | None = "3c69d9458d2b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "proposals_discussion",
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("meeting_component_id", sa.Uuid(), nullable=False),
        sa.Column(
            "title",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("start_at", civicapi.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_at", civicapi.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", civicapi.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("updated_at", civicapi.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("commune_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes_commune.id"],
            name=op.f("fk_proposals_discussion_commune_id_communes_commune"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals_proposal.id"],
            name=op.f("fk_proposals_discussion_proposal_id_proposals_proposal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals_discussion")),
        sa.UniqueConstraint(
            "proposal_id", "meeting_id", name=op.f("uq_proposals_discussion_proposal_id_meeting_id")
        ),
    )
    with op.batch_alter_table("proposals_discussion", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposals_discussion_commune_id"), ["commune_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_proposals_discussion_proposal_id"), ["proposal_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("proposals_discussion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposals_discussion_proposal_id"))
        batch_op.drop_index(batch_op.f("ix_proposals_discussion_commune_id"))

    op.drop_table("proposals_discussion")
