"""Signed survey links: `/nps/{token}`, signed with the secret key (itsdangerous).

The token carries the survey id, its project id and the survey's random nonce, and is
timestamped. The database decides expiry (`expires_at`); the signature's age is checked
too, as a second lock, so a link can never outlive the configured days plus the update window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from engine.config import Settings
from engine.satisfaction.errors import SurveyLinkExpired, SurveyLinkInvalid

SALT = "grace.nps-survey.v1"
DAY = 86_400


@dataclass(frozen=True)
class SurveyClaim:
    survey_id: int
    project_id: int
    nonce: str


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.resolved_secret_key(), salt=SALT)


def sign_survey(settings: Settings, survey_id: int, project_id: int, nonce: str) -> str:
    return str(_serializer(settings).dumps({"s": survey_id, "p": project_id, "n": nonce}))


def read_token(settings: Settings, token: str) -> SurveyClaim:
    """Check the signature and age of a token; raise SurveyLinkInvalid / SurveyLinkExpired."""
    if not token or len(token) > 500:
        raise SurveyLinkInvalid()
    max_age = (settings.nps_link_days + settings.nps_update_days) * DAY
    try:
        data: Any = _serializer(settings).loads(token, max_age=max_age)
    except SignatureExpired:
        raise SurveyLinkExpired() from None
    except BadSignature:
        raise SurveyLinkInvalid() from None
    try:
        return SurveyClaim(int(data["s"]), int(data["p"]), str(data["n"]))
    except (KeyError, TypeError, ValueError):
        raise SurveyLinkInvalid() from None


def survey_link(settings: Settings, token: str) -> str:
    return f"{settings.public_url.rstrip('/')}/nps/{token}"
