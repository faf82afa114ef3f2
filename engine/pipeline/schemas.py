"""Inputs and results of the pipeline operations."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, field_validator

from engine.money import parse_amount

DecimalStr = Annotated[Decimal, PlainSerializer(lambda v: str(v), return_type=str, when_used="json")]


def _parse_budget(v: Any) -> Any:
    if v is None or v == "":
        return None
    amount, _currency = parse_amount(v)
    return amount


# An amount as people type it (12000, "12,000", "$12k", "USD 12000"); empty means none.
Budget = Annotated[Decimal | None, BeforeValidator(_parse_budget)]


class LeadSource(StrEnum):
    SLACK = "slack"
    WEBSITE = "website"
    REFERRAL = "referral"
    LINKEDIN = "linkedin"
    UPWORK = "upwork"
    COLD_EMAIL = "cold_email"
    IMPORT = "import"
    API = "api"


def _short(n: int) -> Any:
    return Field(default=None, max_length=n)


class LeadInput(BaseModel):
    """A lead as it arrives from any source."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source: LeadSource = Field(description="Where the lead came from.")
    name: str = Field(min_length=1, max_length=200, description="The contact's full name.")
    email: str = Field(max_length=320, description="The contact's e-mail address.")
    company: str | None = _short(200)
    industry: str | None = _short(100)
    budget: Budget = Field(default=None, description="12000, \"12,000\", \"$12k\" or \"USD 12000\".")
    budget_range: str | None = _short(64)
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    country: str | None = _short(100)
    timezone: str | None = _short(64)
    phone: str | None = _short(64)
    project_type: str | None = _short(100)
    requirements: str | None = Field(default=None, max_length=10_000)
    timeline: str | None = _short(200)
    notes: str | None = Field(default=None, max_length=10_000)
    referrer: str | None = _short(200)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        try:
            return validate_email(v, check_deliverability=False).normalized
        except EmailNotValidError as e:
            raise ValueError(f"not a valid e-mail address: {e}") from None

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str | None) -> str | None:
        return v.upper() if v else v

    @field_validator("metadata")
    @classmethod
    def _metadata(cls, v: dict[str, Any]) -> dict[str, Any]:
        if len(json.dumps(v, default=str)) > 20_000:
            raise ValueError("metadata is larger than 20,000 characters")
        return v


class CaptureResult(BaseModel):
    client_id: int
    lead_id: int
    stage: str
    created_client: bool


class StageMoveInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    stage: str = Field(min_length=1, max_length=32)
    reason: str | None = Field(default=None, max_length=2000)


class StageMoveResult(BaseModel):
    lead_id: int
    from_stage: str
    to_stage: str


class LeadView(BaseModel):
    id: int
    client_id: int
    client_name: str
    email: str
    company: str | None
    source: str
    stage: str
    score: float | None
    close_probability: float | None
    budget: DecimalStr | None
    currency: str
    industry: str | None
    country: str | None
    project_type: str | None
    requirements: str | None
    timeline: str | None
    referrer: str | None
    next_action: str | None
    next_action_date: datetime | None
    lost_reason: str | None
    created_at: datetime
    stage_changed_at: datetime
    metadata: dict[str, Any]


class LeadPage(BaseModel):
    items: list[LeadView]
    total: int
    limit: int
    offset: int


class ClientView(BaseModel):
    id: int
    name: str
    email: str
    company: str | None
    industry: str | None
    country: str | None
    timezone: str | None
    lifetime_value: DecimalStr
    currency: str
    project_count: int
    satisfaction_score: float | None
    created_at: datetime
    lead_ids: list[int]
    metadata: dict[str, Any]
