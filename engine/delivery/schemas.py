"""Inputs and results of the delivery operations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.pipeline.schemas import DecimalStr


class DeliverInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: int = Field(ge=1, description="The project to deliver.")
    override_reason: str | None = Field(
        default=None, max_length=2000,
        description="Admins only: deliver a project whose client has not accepted a proposal, for this reason "
                    "(audited; the lead is recorded at CONTRACT by this override).")


class DeliveryResult(BaseModel):
    project_id: int
    status: Literal["awaiting_approval", "in_progress"]
    vote_id: int | None = None
    job_id: str | None = None
    note: str | None = Field(default=None, description="Anything the caller should know (e.g. the lead was left as is).")


class ArtifactView(BaseModel):
    name: str
    sha256: str
    milestone_id: int
    media_type: str
    created_at: datetime


class MilestoneView(BaseModel):
    id: int
    seq: int
    name: str
    status: str
    due_at: datetime | None
    completed_at: datetime | None
    share: DecimalStr
    amount: DecimalStr


class ProjectDeliveryView(BaseModel):
    id: int
    title: str
    client_id: int
    lead_id: int | None
    status: str
    progress: float
    price: DecimalStr | None
    budget: DecimalStr | None
    currency: str
    started_at: datetime | None
    completed_at: datetime | None
    failure_reason: str | None
    contract_signed: bool = False
    actual_cost: DecimalStr | None = None
    start_date: date | None = None
    end_date: date | None = None
    artifacts: list[ArtifactView]
    milestones: list[MilestoneView]
    deliverables: list[dict[str, Any]] = []
    vote_id: int | None = None


class BuildOutcome(BaseModel):
    project_id: int
    status: str
    progress: float
    built: list[int] = Field(default_factory=list, description="Milestones finished by this run.")
