"""Inputs and results of the satisfaction operations."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class SurveySent(BaseModel):
    survey_id: int
    project_id: int
    link: str = Field(description="The client's personal survey link; anyone holding it can answer.")
    expires_at: datetime
    language: str
    emailed_to: str | None = Field(default=None, description="Address the link is e-mailed to, if SMTP is set up.")


class SurveyScheduled(BaseModel):
    survey_id: int
    project_id: int
    status: str
    due_at: datetime | None
    created: bool


class DueSurveysReport(BaseModel):
    sent: list[int] = Field(default_factory=list, description="Projects whose survey went out.")
    skipped: dict[int, str] = Field(default_factory=dict, description="Project -> why it was not sent.")


class NpsResponse(BaseModel):
    survey_id: int
    project_id: int
    client_id: int
    score: int
    category: str
    sentiment: float | None
    updated: bool = Field(description="True when this changed an earlier answer through the same link.")
    update_until: datetime
    followups: list[str]


class SurveyAnswer(BaseModel):
    survey_id: int
    project_id: int
    score: int | None
    category: str | None
    comment: str | None
    answered_at: datetime | None


class SatisfactionReport(BaseModel):
    project_id: int
    client_id: int
    nps_score: int | None
    category: str | None
    comment: str | None
    sentiment: float | None = Field(description="VADER compound score of the comment, -1 (negative) to 1.")
    sentiment_label: str | None
    survey_status: str | None = Field(description="scheduled, open, answered or expired; None = never surveyed.")
    client_satisfaction_score: float | None
    client_history: list[SurveyAnswer]
    recommendations: list[str]
    agency_nps: float | None = Field(description="%promoters - %detractors over the window; None = no answers.")
    agency_responses: int
    window_days: int
