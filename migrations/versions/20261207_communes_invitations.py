"""communes: invitations by e-mail to take a role in a commune (communes_invitation)

Revision ID: 3c098ac81030
Revises: 2c8a6348d92a
Create Date: 2026-12-07 19:28:23.013761
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import civicapi.core.db.base

revision: str = "3c098ac81030"
down_revision: str | Sequence[str] | None = "2c8a6348d92a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "communes_invitation",
        sa.Column("commune_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("invited_by_api_key_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", civicapi.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", civicapi.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", civicapi.core.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", civicapi.core.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes_commune.id"],
            name=op.f("fk_communes_invitation_commune_id_communes_commune"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_api_key_id"],
            ["identity_api_key.id"],
            name=op.f("fk_communes_invitation_invited_by_api_key_id_identity_api_key"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_user_id"],
            ["identity_user.id"],
            name=op.f("fk_communes_invitation_invited_by_user_id_identity_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_communes_invitation")),
        sa.UniqueConstraint("commune_id", "email", name=op.f("uq_communes_invitation_commune_id_email")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_communes_invitation_token_hash")),
    )
    with op.batch_alter_table("communes_invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_communes_invitation_commune_id"), ["commune_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_communes_invitation_email"), ["email"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("communes_invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_communes_invitation_email"))
        batch_op.drop_index(batch_op.f("ix_communes_invitation_commune_id"))

    op.drop_table("communes_invitation")
