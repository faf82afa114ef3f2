"""Signed, expiring client links to a proposal: `{public_url}/p/{token}`."""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from engine.config import Settings
from engine.proposals.errors import ProposalLinkExpired, ProposalLinkInvalid

SALT = "grace.proposal-link"


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.resolved_secret_key(), salt=SALT)


def proposal_token(settings: Settings, proposal_id: int) -> str:
    return _serializer(settings).dumps({"p": proposal_id})


def proposal_link(settings: Settings, proposal_id: int) -> str:
    return f"{settings.public_url.rstrip('/')}/p/{proposal_token(settings, proposal_id)}"


def read_proposal_token(settings: Settings, token: str) -> int:
    """The proposal id a token was signed for; raises if forged, altered or expired."""
    days = settings.proposal_link_days
    try:
        data = _serializer(settings).loads(token, max_age=days * 86400)
    except SignatureExpired:
        raise ProposalLinkExpired(days) from None
    except BadSignature:
        raise ProposalLinkInvalid() from None
    if not isinstance(data, dict) or not isinstance(data.get("p"), int):
        raise ProposalLinkInvalid()
    return int(data["p"])
