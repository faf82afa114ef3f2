"""SQLAlchemy 2 typed models.

The five `business_*` tables follow the seed's schema, with money as NUMERIC plus a
currency and every timestamp timezone-aware. The rest support the pipeline's history,
the audit chain, who may do what, and exactly-once handling of inbound events.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
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
    stage_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
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
