"""Inputs and results of the everyday CRM operations."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.pipeline.schemas import DecimalStr

CLIENT_STATUSES = ("prospect", "active", "customer", "inactive")
CONTACT_CHANNELS = ("email", "phone", "slack", "meeting", "whatsapp", "linkedin")


class LeadEdit(BaseModel):
    """The fields of a lead a person may change; only the ones given are changed (null clears)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    requirements: str | None = Field(default=None, max_length=10_000, description="What the client needs.")
    budget: str | None = Field(default=None, max_length=64,
                               description='The budget as typed: 12000, "€8.500", "$12k"; its currency is kept.')
    currency: str | None = Field(default=None, min_length=3, max_length=3, description="The lead's currency.")
    budget_range: str | None = Field(default=None, max_length=64)
    value_estimate: str | None = Field(default=None, max_length=64,
                                       description="What the deal is expected to be worth, in the lead's currency.")
    timeline: str | None = Field(default=None, max_length=200)
    project_type: str | None = Field(default=None, max_length=100)
    notes: str | None = Field(default=None, max_length=10_000)
    referrer: str | None = Field(default=None, max_length=200)
    next_action: str | None = Field(default=None, max_length=2000, description="The next thing to do.")
    next_action_date: datetime | None = Field(default=None, description="When the next action is due (UTC).")

    @field_validator("next_action_date")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("give a time zone, e.g. 2026-12-03T09:00:00Z")
        return v


class ClientEdit(BaseModel):
    """The fields of a client a person may change; only the ones given are changed (null clears)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=200)
    company: str | None = Field(default=None, max_length=200)
    industry: str | None = Field(default=None, max_length=100)
    country: str | None = Field(default=None, max_length=100)
    timezone: str | None = Field(default=None, max_length=64)
    phone: str | None = Field(default=None, max_length=64)
    preferred_contact: str | None = Field(default=None, description=f"One of {', '.join(CONTACT_CHANNELS)}.")
    status: str | None = Field(default=None, description=f"One of {', '.join(CLIENT_STATUSES)}.")
    notes: str | None = Field(default=None, max_length=10_000)

    @field_validator("preferred_contact")
    @classmethod
    def _contact(cls, v: str | None) -> str | None:
        if v is not None and v.lower() not in CONTACT_CHANNELS:
            raise ValueError(f"must be one of {', '.join(CONTACT_CHANNELS)}")
        return v.lower() if v else v

    @field_validator("status")
    @classmethod
    def _status(cls, v: str | None) -> str | None:
        if v is not None and v.lower() not in CLIENT_STATUSES:
            raise ValueError(f"must be one of {', '.join(CLIENT_STATUSES)}")
        return v.lower() if v else v


class Change(BaseModel):
    before: Any
    after: Any


class EditResult(BaseModel):
    subject: str
    id: int
    changes: dict[str, Change]


class InteractionKind(StrEnum):
    CALL = "call"
    MEETING = "meeting"
    NOTE = "note"
    EMAIL = "email"


class InteractionInput(BaseModel):
    """A call, meeting, note or e-mail with a client, as a person logs it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: InteractionKind = Field(description="call, meeting, note or email.")
    summary: str = Field(min_length=1, max_length=10_000, description="What was said or done.")
    client_id: int | None = Field(default=None, ge=1, le=2**63 - 1, description="The client (or give lead_id).")
    lead_id: int | None = Field(default=None, ge=1, le=2**63 - 1, description="The lead it was about.")
    project_id: int | None = Field(default=None, ge=1, le=2**63 - 1, description="The project it was about.")
    occurred_at: datetime | None = Field(default=None, description="When it happened (now if omitted).")
    channel: str | None = Field(default=None, max_length=32, description="phone, zoom, in person, ...")

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("give a time zone, e.g. 2026-12-03T09:00:00Z")
        return v


class InteractionView(BaseModel):
    id: int
    client_id: int
    lead_id: int | None
    project_id: int | None
    kind: str
    channel: str | None
    summary: str | None
    actor: str | None
    occurred_at: datetime
    sentiment: float | None
    sentiment_label: str | None
    automated: bool
    grace_generated: bool
    human_approved: bool | None
    approved_by: str | None


class OwnerInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    owner: str | None = Field(max_length=32, description="The Slack user id of a team member (null: nobody).")


class OwnerResult(BaseModel):
    subject: str
    id: int
    owner: str | None
    previous: str | None


class TimelineEntry(BaseModel):
    at: datetime
    type: str  # interaction, stage, proposal, invoice, survey
    what: str
    lead_id: int | None = None
    project_id: int | None = None
    ref: str
    actor: str | None = None
    details: dict[str, Any] = {}


class Timeline(BaseModel):
    client_id: int
    items: list[TimelineEntry]
    total: int
    limit: int
    offset: int


class ProjectSummary(BaseModel):
    id: int
    title: str
    client_id: int
    client_name: str
    lead_id: int | None
    status: str
    progress: float
    price: DecimalStr | None
    currency: str
    contract_signed: bool
    actual_cost: DecimalStr | None
    start_date: date | None
    end_date: date | None
    created_at: datetime


class ProjectPage(BaseModel):
    items: list[ProjectSummary]
    total: int
    limit: int
    offset: int


class InvoiceSummary(BaseModel):
    id: int
    invoice_number: str
    project_id: int
    client_id: int
    client_name: str
    amount: DecimalStr
    currency: str
    status: str
    issued_at: datetime
    due_at: datetime | None
    paid_at: datetime | None


class InvoicePage(BaseModel):
    items: list[InvoiceSummary]
    total: int
    limit: int
    offset: int
