"""SQLAlchemy 2 typed models.

The five `business_*` tables follow the seed's schema, with money as NUMERIC plus a
currency and every timestamp timezone-aware. The rest support the pipeline's history,
the audit chain, who may do what, and exactly-once handling of inbound events.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import BigID, JSONType, Money, UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType, Decimal: Money}


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Client(Timestamped, Base):
    __tablename__ = "business_clients"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    # Lower-cased e-mail: one client per address, enforced by the database.
    email_normalized: Mapped[str] = mapped_column(String(320), unique=True)
    company: Mapped[str | None] = mapped_column(String(200))
    industry: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(100))
    timezone: Mapped[str | None] = mapped_column(String(64))
    budget_range: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(64))
    lifetime_value: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    project_count: Mapped[int] = mapped_column(Integer, default=0)
    satisfaction_score: Mapped[float | None]
    first_contact_at: Mapped[datetime] = mapped_column(default=utcnow)
    # email, phone, slack, meeting: how the client likes to be reached.
    preferred_contact: Mapped[str | None] = mapped_column(String(32))
    # prospect (no contract yet), active (a contract or project under way), customer (paid), inactive.
    status: Mapped[str] = mapped_column(String(16), default="prospect", server_default="prospect")
    notes: Mapped[str | None] = mapped_column(Text)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)

    leads: Mapped[list[Lead]] = relationship(back_populates="client")
    projects: Mapped[list[Project]] = relationship(back_populates="client")
    interactions: Mapped[list[Interaction]] = relationship(back_populates="client")
    invoices: Mapped[list[Invoice]] = relationship(back_populates="client")


class Lead(Timestamped, Base):
    __tablename__ = "business_leads"
    __table_args__ = (
        Index("ix_business_leads_stage", "stage"),
        Index("ix_business_leads_score", "score"),
        Index("ix_business_leads_source", "source"),
        Index("ix_business_leads_client_id", "client_id"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("business_clients.id", ondelete="RESTRICT"))
    source: Mapped[str] = mapped_column(String(32))
    stage: Mapped[str] = mapped_column(String(32), default="LEAD")
    # Rank (in pipeline order) of the furthest stage ever reached: conversion rates without a history scan.
    furthest_rank: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float | None]
    close_probability: Mapped[float | None]
    qualified: Mapped[bool] = mapped_column(Boolean, default=False)
    qualification_data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    features: Mapped[dict[str, Any]] = mapped_column(default=dict)
    requirements: Mapped[str | None] = mapped_column(Text)
    budget: Mapped[Decimal | None]
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    budget_range: Mapped[str | None] = mapped_column(String(64))
    timeline: Mapped[str | None] = mapped_column(String(200))
    project_type: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)
    referrer: Mapped[str | None] = mapped_column(String(200))
    next_action: Mapped[str | None] = mapped_column(Text)
    next_action_date: Mapped[datetime | None]
    lost_reason: Mapped[str | None] = mapped_column(Text)
    # What the deal is expected to be worth, in the lead's currency: the budget at capture, the
    # latest proposal's price once there is one, or what a person set.
    value_estimate: Mapped[Decimal | None]
    stage_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # First reached QUALIFIED or later / first reached CONTRACT or later / marked LOST (cleared on reopening).
    qualified_at: Mapped[datetime | None]
    converted_at: Mapped[datetime | None]
    lost_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    last_contact_at: Mapped[datetime | None]
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)

    client: Mapped[Client] = relationship(back_populates="leads")
    history: Mapped[list[LeadStageHistory]] = relationship(
        back_populates="lead", order_by="LeadStageHistory.id"
    )


class Project(Timestamped, Base):
    __tablename__ = "business_projects"
    __table_args__ = (
        Index("ix_business_projects_status", "status"),
        Index("ix_business_projects_client_id", "client_id"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("business_clients.id", ondelete="RESTRICT"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("business_leads.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    scope: Mapped[str | None] = mapped_column(Text)
    deliverables: Mapped[dict[str, Any]] = mapped_column(default=dict)
    timeline: Mapped[dict[str, Any]] = mapped_column(default=dict)
    budget: Mapped[Decimal | None]
    price: Mapped[Decimal | None]
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    status: Mapped[str] = mapped_column(String(32), default="proposed")
    progress: Mapped[float] = mapped_column(default=0.0)
    proposal_generated: Mapped[bool] = mapped_column(Boolean, default=False)
    proposal_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    grace_architect_used: Mapped[bool] = mapped_column(Boolean, default=False)
    automated_delivery: Mapped[bool] = mapped_column(Boolean, default=False)
    nps_score: Mapped[int | None] = mapped_column(Integer)
    client_feedback: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    failure_reason: Mapped[str | None] = mapped_column(Text)
    # The client accepted the proposal (signed): set by the acceptance, never unset.
    contract_signed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # What the work cost the agency, in the project's currency (entered by finance or delivery).
    actual_cost: Mapped[Decimal | None]
    # Planned by the plan; the build's start and the delivery replace them with the real dates.
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    slack_channel: Mapped[str | None] = mapped_column(String(64))
    slack_thread_ts: Mapped[str | None] = mapped_column(String(64))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)

    client: Mapped[Client] = relationship(back_populates="projects")
    invoices: Mapped[list[Invoice]] = relationship(back_populates="project")
    milestones: Mapped[list[Milestone]] = relationship(back_populates="project", order_by="Milestone.seq")


class Milestone(Base):
    """A step of a project's plan, with the share of the price due when it is reached."""

    __tablename__ = "project_milestones"
    __table_args__ = (UniqueConstraint("project_id", "seq", name="uq_project_milestones_project_seq"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("business_projects.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime | None]
    share: Mapped[Decimal] = mapped_column(Numeric(9, 6))  # of the project's price, all shares sum to 1
    amount: Mapped[Decimal]  # share x price in cents; the last one takes the rounding remainder
    status: Mapped[str] = mapped_column(String(32), default="pending")  # pending, in_progress, done
    completed_at: Mapped[datetime | None]
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)

    project: Mapped[Project] = relationship(back_populates="milestones")


class Interaction(Base):
    __tablename__ = "business_interactions"
    __table_args__ = (
        Index("ix_business_interactions_client_id", "client_id"),
        Index("ix_business_interactions_lead_id", "lead_id"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("business_clients.id", ondelete="RESTRICT"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("business_leads.id", ondelete="SET NULL"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("business_projects.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(32))  # capture, email, call, meeting, note, survey...
    channel: Mapped[str | None] = mapped_column(String(32))
    summary: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    # VADER compound score (-1..1) of the summary or the client's words; None when there is no text.
    sentiment: Mapped[float | None]
    # The trail of what Grace did: ran without a person starting it; its text was written by Grace;
    # a person approved it (None: nothing to approve) and who.
    automated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    grace_generated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    human_approved: Mapped[bool | None] = mapped_column(Boolean)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)

    client: Mapped[Client] = relationship(back_populates="interactions")


class Invoice(Timestamped, Base):
    __tablename__ = "business_invoices"
    __table_args__ = (
        Index("ix_business_invoices_status", "status"),
        Index("ix_business_invoices_project_id", "project_id"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    invoice_number: Mapped[str] = mapped_column(String(32), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("business_projects.id", ondelete="RESTRICT"))
    client_id: Mapped[int] = mapped_column(ForeignKey("business_clients.id", ondelete="RESTRICT"))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    status: Mapped[str] = mapped_column(String(32), default="issued")
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("project_milestones.id", ondelete="RESTRICT"))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    payment_method: Mapped[str | None] = mapped_column(String(32))
    payment_link: Mapped[str | None] = mapped_column(Text)
    provider_invoice_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    transaction_id: Mapped[str | None] = mapped_column(String(128))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)

    project: Mapped[Project] = relationship(back_populates="invoices")
    client: Mapped[Client] = relationship(back_populates="invoices")


class FxRate(Base):
    """An exchange rate the agency set: one unit of `currency` is worth `rate` units of `base`
    (GRACE_CURRENCY when it was set), from `as_of`. The newest `as_of` (then the newest row) holds."""

    __tablename__ = "fx_rates"
    __table_args__ = (Index("ix_fx_rates_base_currency_as_of", "base", "currency", "as_of"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    base: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(Numeric(18, 8))
    as_of: Mapped[date] = mapped_column(Date)
    set_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LeadStageHistory(Base):
    __tablename__ = "lead_stage_history"
    __table_args__ = (Index("ix_lead_stage_history_lead_id", "lead_id"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("business_leads.id", ondelete="CASCADE"))
    from_stage: Mapped[str | None] = mapped_column(String(32))
    to_stage: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the lead left this stage (set by the next move): time-in-stage without a window scan.
    left_at: Mapped[datetime | None]

    lead: Mapped[Lead] = relationship(back_populates="history")


class AuditEntry(Base):
    """One link of the append-only, hash-chained audit log."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_action", "action"),)

    seq: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class TeamMember(Timestamped, Base):
    __tablename__ = "team_members"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    slack_user_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(320))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # The team member the key acts for: their one vote, whichever way they cast it.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("team_members.id", ondelete="SET NULL"))


class DashboardSession(Base):
    """A dashboard sign-in: a random token (only its hash kept) standing for an API key."""

    __tablename__ = "dashboard_sessions"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class InboundEvent(Base):
    """An event from outside (Slack, Stripe, webhooks), stored once by its external id."""

    __tablename__ = "inbound_events"
    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_inbound_events_source_external_id"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class Alert(Base):
    """A condition worth telling the team about: posted once when it starts, once when it ends."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_key_open", "key", "cleared_at"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    cleared_at: Mapped[datetime | None]
class Proposal(Base):
    """One version of a proposal for a lead; regenerating adds a version and keeps the old ones."""

    __tablename__ = "proposals"
    __table_args__ = (
        UniqueConstraint("lead_id", "version", name="uq_proposals_lead_version"),
        Index("ix_proposals_project_id", "project_id"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("business_leads.id", ondelete="RESTRICT"))
    client_id: Mapped[int] = mapped_column(ForeignKey("business_clients.id", ondelete="RESTRICT"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("business_projects.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32), default="sent")  # sent, superseded, accepted
    architect: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    requirements: Mapped[str] = mapped_column(Text)
    # Priced lines, removed lines, assumptions, risks, out of scope, service lines.
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)
    budget: Mapped[Decimal | None]
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    total_hours: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    subtotal: Mapped[Decimal]
    discount: Mapped[Decimal]
    price: Mapped[Decimal]
    cost: Mapped[Decimal]
    fits_budget: Mapped[bool] = mapped_column(Boolean)
    budget_note: Mapped[str] = mapped_column(Text)
    weeks: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    accepted_by: Mapped[str | None] = mapped_column(String(200))
class VoteSession(Timestamped, Base):
    """A Parliament vote on a subject (a project delivery, or anything named by type and id)."""

    __tablename__ = "vote_sessions"
    __table_args__ = (
        Index("ix_vote_sessions_subject", "subject_type", "subject_id"),
        Index("ix_vote_sessions_status_deadline", "status", "deadline_at"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, approved, rejected, expired
    # Slack user ids of those who may vote, fixed when the vote opens.
    approvers: Mapped[list[str]] = mapped_column(JSONType, default=list)
    quorum: Mapped[int] = mapped_column(Integer)
    approve_share: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    admin_veto: Mapped[bool] = mapped_column(Boolean, default=False)
    approve_count: Mapped[int] = mapped_column(Integer, default=0)
    reject_count: Mapped[int] = mapped_column(Integer, default=0)
    deadline_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    opened_by: Mapped[str] = mapped_column(String(200))
    slack_channel: Mapped[str | None] = mapped_column(String(64))
    slack_ts: Mapped[str | None] = mapped_column(String(64))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)

    votes: Mapped[list[Vote]] = relationship(back_populates="session", order_by="Vote.id")


class Vote(Base):
    """One approver's vote: one row per (session, voter), enforced by the database."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("session_id", "voter", name="uq_votes_session_voter"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("vote_sessions.id", ondelete="CASCADE"))
    voter: Mapped[str] = mapped_column(String(64))
    voter_name: Mapped[str | None] = mapped_column(String(200))
    choice: Mapped[str] = mapped_column(String(8))  # approve, reject
    comment: Mapped[str | None] = mapped_column(Text)
    cast_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[datetime | None]

    session: Mapped[VoteSession] = relationship(back_populates="votes")


class ProjectArtifact(Base):
    """A document the build produced for a milestone; stored once per (project, milestone, name)."""

    __tablename__ = "project_artifacts"
    __table_args__ = (
        UniqueConstraint("project_id", "milestone_id", "name", name="uq_project_artifacts_project_milestone_name"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("business_projects.id", ondelete="CASCADE"))
    milestone_id: Mapped[int] = mapped_column(ForeignKey("project_milestones.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(300))
    media_type: Mapped[str] = mapped_column(String(100), default="text/markdown")
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NpsSurvey(Timestamped, Base):
    """An NPS survey of one delivered project, answered by its client through a signed link.

    status: scheduled (due later) -> open (link sent) -> answered, or expired. At most one
    scheduled-or-open survey per project, enforced by a partial unique index on both databases.
    """

    __tablename__ = "nps_surveys"
    __table_args__ = (
        Index("ix_nps_surveys_project_id", "project_id"),
        Index("ix_nps_surveys_client_id", "client_id"),
        Index("ix_nps_surveys_answered_at", "answered_at"),
        Index("ix_nps_surveys_status_due_at", "status", "due_at"),
        Index("uq_nps_surveys_open_project", "project_id", unique=True,
              sqlite_where=text("status IN ('scheduled', 'open')"),
              postgresql_where=text("status IN ('scheduled', 'open')")),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("business_projects.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("business_clients.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    # Random per survey and inside the signed token: a token of an older survey never opens a newer one.
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    due_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(16))  # promoter, passive, detractor
    sentiment: Mapped[float | None]  # VADER compound, -1..1
    update_count: Mapped[int] = mapped_column(Integer, default=0)
    emailed: Mapped[bool] = mapped_column(Boolean, default=False)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
class AgentConversation(Base):
    """The agent's message history of one Slack thread or terminal session, capped in size.

    `messages` holds pydantic-ai's JSON form of the history; `pending` the tool calls
    waiting for the speaker's confirmation (tool_call_id -> {tool, args, speaker}).
    """

    __tablename__ = "agent_conversations"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    messages: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    pending: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ScoringModel(Base):
    """One trained version of the lead-scoring model; at most one is active.

    `blob` is the fitted estimator in skops format (loaded only with an allow-list of
    types, never unpickled); `features` is the JSON feature space it expects."""

    __tablename__ = "scoring_models"
    __table_args__ = (Index("ix_scoring_models_active", "active"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    estimator: Mapped[str] = mapped_column(String(64))
    features: Mapped[dict[str, Any]] = mapped_column(default=dict)
    training_size: Mapped[int] = mapped_column(Integer)
    positives: Mapped[int] = mapped_column(Integer)
    negatives: Mapped[int] = mapped_column(Integer)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    blob: Mapped[bytes] = mapped_column(LargeBinary)


class LeadForm(Timestamped, Base):
    """A public website form: embedded on a page or hosted by us, posting leads without an API key."""

    __tablename__ = "lead_forms"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    # The id in the form's public URL: random, unguessable, never reused.
    public_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    allowed_origins: Mapped[list[str]] = mapped_column(JSONType, default=list)
    redirect_url: Mapped[str | None] = mapped_column(String(2000))
    thank_you: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None]


class FormRejection(Base):
    """How many submissions of a form were refused, per reason (the submissions are not kept)."""

    __tablename__ = "lead_form_rejections"
    __table_args__ = (UniqueConstraint("form_id", "reason", name="uq_lead_form_rejections_form_reason"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("lead_forms.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime] = mapped_column(default=utcnow)
