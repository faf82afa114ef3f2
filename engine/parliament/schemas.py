"""Inputs and results of the Parliament operations."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engine.pipeline.schemas import DecimalStr

SUBJECT_PROJECT_DELIVERY = "project_delivery"


class OpenVoteInput(BaseModel):
    """A question for Parliament about a subject (its type and id)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    subject_type: str = Field(min_length=1, max_length=32, description="What is voted on, e.g. project_delivery.")
    subject_id: int = Field(ge=1)
    title: str = Field(min_length=1, max_length=300)
    summary: dict[str, Any] = Field(default_factory=dict, description="What the approvers are shown.")
    approvers: list[str] | None = Field(
        default=None, description="Slack user ids allowed to vote; default: every active team member with the approver role.")
    quorum: int | None = Field(default=None, ge=1)
    approve_share: Decimal | None = Field(default=None, ge=0, lt=1)
    admin_veto: bool | None = None
    deadline_hours: float | None = Field(default=None, gt=0, le=24 * 60)


class VoterView(BaseModel):
    user: str
    name: str | None
    choice: str
    comment: str | None
    cast_at: datetime


class VoteView(BaseModel):
    id: int
    subject_type: str
    subject_id: int
    title: str
    status: str
    approve: int
    reject: int
    quorum: int
    approve_share: DecimalStr
    admin_veto: bool
    approvers: list[str]
    voters: list[VoterView]
    deadline_at: datetime
    decided_at: datetime | None
    decision_reason: str | None
    summary: dict[str, Any]
    slack_channel: str | None
    slack_ts: str | None


class CastResult(BaseModel):
    vote: VoteView
    counted: bool = Field(description="False when this voter's vote was already recorded (a repeated click).")
    changed: bool = False
    decided: str | None = Field(default=None, description="The decision this vote brought, if any.")
