"""Parliament votes (sessions, one vote per voter) and project artifacts (one per project, milestone and name)

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-28 08:17:38.713776
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.types

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vote_sessions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "approvers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("quorum", sa.Integer(), nullable=False),
        sa.Column("approve_share", sa.Numeric(precision=5, scale=4), nullable=False),
        sa.Column("admin_veto", sa.Boolean(), nullable=False),
        sa.Column("approve_count", sa.Integer(), nullable=False),
        sa.Column("reject_count", sa.Integer(), nullable=False),
        sa.Column("deadline_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        sa.Column("slack_channel", sa.String(length=64), nullable=True),
        sa.Column("slack_ts", sa.String(length=64), nullable=True),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote_sessions")),
    )
    with op.batch_alter_table("vote_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_vote_sessions_status_deadline", ["status", "deadline_at"], unique=False)
        batch_op.create_index("ix_vote_sessions_subject", ["subject_type", "subject_id"], unique=False)

    op.create_table(
        "votes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("session_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("voter", sa.String(length=64), nullable=False),
        sa.Column("voter_name", sa.String(length=200), nullable=True),
        sa.Column("choice", sa.String(length=8), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("cast_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["vote_sessions.id"],
            name=op.f("fk_votes_session_id_vote_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_votes")),
        sa.UniqueConstraint("session_id", "voter", name="uq_votes_session_voter"),
    )
    op.create_table(
        "project_artifacts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("milestone_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["project_milestones.id"],
            name=op.f("fk_project_artifacts_milestone_id_project_milestones"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["business_projects.id"],
            name=op.f("fk_project_artifacts_project_id_business_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_artifacts")),
        sa.UniqueConstraint(
            "project_id", "milestone_id", "name", name="uq_project_artifacts_project_milestone_name"
        ),
    )


def downgrade() -> None:
    op.drop_table("project_artifacts")
    op.drop_table("votes")
    with op.batch_alter_table("vote_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_vote_sessions_subject")
        batch_op.drop_index("ix_vote_sessions_status_deadline")

    op.drop_table("vote_sessions")
