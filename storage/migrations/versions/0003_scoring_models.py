"""scoring models: versions of the lead-scoring model

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-28 08:18:48.118110
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.types

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "scoring_models",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("estimator", sa.String(length=64), nullable=False),
        sa.Column("features", JSON, nullable=False),
        sa.Column("training_size", sa.Integer(), nullable=False),
        sa.Column("positives", sa.Integer(), nullable=False),
        sa.Column("negatives", sa.Integer(), nullable=False),
        sa.Column("metrics", JSON, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("blob", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scoring_models")),
    )
    op.create_index("ix_scoring_models_active", "scoring_models", ["active"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_scoring_models_active", table_name="scoring_models")
    op.drop_table("scoring_models")
