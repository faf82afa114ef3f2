"""Errors of the satisfaction domain, each with a message a client or a team member can read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.errors import Conflict, GraceError, NotFound


class SurveyLinkInvalid(GraceError):
    """Tampered, malformed, or pointing at another project's survey."""

    status = 400
    code = "survey_link_invalid"
    page = "invalid"

    def __init__(self, reason: str = "The survey link is not valid.", **details: Any) -> None:
        super().__init__(reason, field="token", **details)


class SurveyNotFound(NotFound):
    code = "survey_not_found"
    page = "notfound"

    def __init__(self, survey_id: int | None = None) -> None:
        super().__init__("There is no such survey.", survey_id=survey_id)


class SurveyLinkExpired(GraceError):
    status = 410
    code = "survey_link_expired"
    page = "expired"

    def __init__(self, until: datetime | None = None, language: str | None = None) -> None:
        super().__init__("The survey link has expired.", field="token")
        self.until = until
        self.language = language  # the survey's, so the page speaks the client's language


class SurveyClosed(GraceError):
    """Answered more than the allowed number of days ago: the answer can no longer change."""

    status = 410
    code = "survey_closed"
    page = "closed"

    def __init__(self, until: datetime | None = None, language: str | None = None) -> None:
        super().__init__("The survey was answered and can no longer be changed.", field="token")
        self.until = until
        self.language = language


class SurveyAlreadyOpen(Conflict):
    code = "survey_already_open"

    def __init__(self, project_id: int, survey_id: int, expires_at: datetime | None) -> None:
        until = f" until {expires_at:%Y-%m-%d}" if expires_at else ""
        super().__init__(f"Project #{project_id} already has an open NPS survey (#{survey_id}, open{until}).",
                         project_id=project_id, survey_id=survey_id)


class ProjectNotDelivered(Conflict):
    code = "project_not_delivered"

    def __init__(self, project_id: int, status: str) -> None:
        super().__init__(f"Project #{project_id} is {status}: an NPS survey follows delivery.",
                         project_id=project_id, status=status)
