"""Fetching a notified Lead Gen response and its form from LinkedIn's REST API.

LinkedIn's lead notification names the response and the form by URN; the answers and the
questions (with their predefined fields) are read with the app's token:
`GET {api}/leadFormResponses/{id}` and `GET {api}/leadForms/{id}`, versioned by the
`Linkedin-Version` header. Network calls happen before the unit of work opens.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from engine.config import Settings
from engine.errors import GraceError, InvalidInput
from engine.sources.linkedin import response_of

TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class LinkedInUnavailable(GraceError):
    """LinkedIn's API did not answer as expected; the webhook is answered 502 so LinkedIn retries."""

    status = 502
    code = "linkedin_unavailable"


def needs_fetch(payload: dict[str, Any]) -> bool:
    """True for a bare notification: it names the response but carries no answers."""
    return not isinstance(response_of(payload).get("formResponse"), dict)


def _urn_id(value: Any, kind: str) -> str:
    text = str(value or "")
    prefix = f"urn:li:{kind}:"
    if not text.startswith(prefix) or not text[len(prefix):]:
        raise InvalidInput(f"The notification has no {kind} URN.", field=kind)
    return text[len(prefix):]


async def _get(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    try:
        resp = await client.get(url)
    except httpx.HTTPError as e:
        raise LinkedInUnavailable(f"Could not reach LinkedIn: {e.__class__.__name__}.") from None
    if resp.status_code != 200:
        raise LinkedInUnavailable(f"LinkedIn answered {resp.status_code} for {url.rsplit('/', 2)[-2]}.")
    data = resp.json()
    if not isinstance(data, dict):
        raise LinkedInUnavailable("LinkedIn answered with something other than an object.")
    return data


async def fetch_lead(settings: Settings, notification: dict[str, Any], *,
                     transport: httpx.AsyncBaseTransport | None = None) -> dict[str, Any]:
    """The notification with `leadFormResponse` and `form` filled in from LinkedIn's API."""
    if not settings.linkedin_access_token:
        raise LinkedInUnavailable("Set GRACE_LINKEDIN_ACCESS_TOKEN so Grace can read the notified lead's answers.")
    response_id = _urn_id(notification.get("leadGenFormResponse"), "leadGenFormResponse")
    form_id = _urn_id(notification.get("leadGenForm"), "leadGenForm")
    headers = {"Authorization": f"Bearer {settings.linkedin_access_token}",
               "Linkedin-Version": settings.linkedin_api_version, "X-Restli-Protocol-Version": "2.0.0"}
    base = settings.linkedin_api_url.rstrip("/")
    async with httpx.AsyncClient(headers=headers, timeout=TIMEOUT, transport=transport) as client:
        response = await _get(client, f"{base}/leadFormResponses/{quote(response_id, safe='')}")
        form = await _get(client, f"{base}/leadForms/{quote(form_id, safe='')}")
    return {**notification, "leadFormResponse": response, "form": form}
