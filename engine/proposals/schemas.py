"""Inputs and results of the proposal operations (the REST contract)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from engine.pipeline.schemas import Budget

DecimalStr = Annotated[Decimal, PlainSerializer(lambda v: str(v), return_type=str, when_used="json")]
Hours = Annotated[Decimal, PlainSerializer(lambda v: float(v), return_type=float, when_used="json")]


class GenerateProposalInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    lead_id: int = Field(gt=0, description="The lead to propose to.")
    requirements: str | None = Field(default=None, max_length=10_000,
                                     description="What the client needs; the lead's requirements when omitted.")
    budget: Budget = Field(default=None, description="The client's budget (12000, \"12,000\", \"$12k\"); "
                                                             "the lead's budget when omitted.")



class DeliverableOut(BaseModel):
    name: str
    role: str
    hours: Hours
    rate: DecimalStr
    amount: DecimalStr
    optional: bool


class ProposalOut(BaseModel):
    id: int
    version: int
    deliverables: list[DeliverableOut]
    total_hours: Hours
    subtotal: DecimalStr
    discount: DecimalStr
    price: DecimalStr
    currency: str  # of the rates, amounts and price: the client's, or the agency's when no rate converts
    fits_budget: bool
    budget_note: str
    weeks: int
    link: str
    emailed_to: str | None = None


class MilestoneOut(BaseModel):
    name: str
    due: date | None
    share: DecimalStr
    amount: DecimalStr


class ProjectPlanOut(BaseModel):
    project_id: int
    milestones: list[MilestoneOut]


class GenerateProposalResult(BaseModel):
    proposal: ProposalOut
    project_plan: ProjectPlanOut


class ProjectMilestoneView(BaseModel):
    id: int
    seq: int
    name: str
    due: date | None
    share: DecimalStr
    amount: DecimalStr
    status: str


class ProjectView(BaseModel):
    id: int
    status: str
    progress: float
    title: str
    price: DecimalStr | None
    currency: str
    contract_signed: bool = False
    actual_cost: DecimalStr | None = None
    start_date: date | None = None
    end_date: date | None = None
    milestones: list[ProjectMilestoneView]
    deliverables: list[dict[str, Any]]


class ProposalDocument(BaseModel):
    """Everything the client's page shows."""

    id: int
    version: int
    status: str
    latest: bool
    title: str
    summary: str
    client_name: str
    company: str | None
    currency: str
    deliverables: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    total_hours: Decimal
    subtotal: Decimal
    discount: Decimal
    price: Decimal
    budget: Decimal | None
    fits_budget: bool
    budget_note: str
    weeks: int
    milestones: list[MilestoneOut]
    assumptions: list[str]
    risks: list[str]
    out_of_scope: list[str]
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    accepted_by: str | None


class AcceptResult(BaseModel):
    proposal_id: int
    project_id: int | None
    lead_id: int
    lead_stage: str
    accepted_at: datetime
