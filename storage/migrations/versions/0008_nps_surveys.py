"""nps surveys

Revision ID: 0008
Revises: 0001
Create Date: 2026-11-28 08:16:31.696435
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.types

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "status IN ('scheduled', 'open')"


def upgrade() -> None:
    op.create_table(
        "nps_surveys",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("client_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("due_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=True),
        sa.Column("sentiment", sa.Double(), nullable=True),
        sa.Column("update_count", sa.Integer(), nullable=False),
        sa.Column("emailed", sa.Boolean(), nullable=False),
        sa.Column("metadata", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                  nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["business_clients.id"],
                                name=op.f("fk_nps_surveys_client_id_business_clients"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["project_id"], ["business_projects.id"],
                                name=op.f("fk_nps_surveys_project_id_business_projects"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nps_surveys")),
        sa.UniqueConstraint("nonce", name=op.f("uq_nps_surveys_nonce")),
    )
    with op.batch_alter_table("nps_surveys", schema=None) as batch_op:
        batch_op.create_index("ix_nps_surveys_answered_at", ["answered_at"], unique=False)
        batch_op.create_index("ix_nps_surveys_client_id", ["client_id"], unique=False)
        batch_op.create_index("ix_nps_surveys_project_id", ["project_id"], unique=False)
        batch_op.create_index("ix_nps_surveys_status_due_at", ["status", "due_at"], unique=False)
        # Never two scheduled-or-open surveys for one project (a partial unique index on both databases).
        batch_op.create_index("uq_nps_surveys_open_project", ["project_id"], unique=True,
                              sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def downgrade() -> None:
    op.drop_table("nps_surveys")
