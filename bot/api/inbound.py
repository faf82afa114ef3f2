"""Webhooks of lead sources (inbound e-mail, LinkedIn Lead Gen) and the Upwork paste endpoint."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from bot.api.deps import ActorDep, ServicesDep, run_op
from engine.actors import Actor
from engine.errors import GraceError, InvalidInput, NotFound, Unauthenticated
from engine.sources import linkedin, linkedin_api
from engine.sources import mail as inbound_email
from engine.sources.intake import IntakeResult, intake_lead
from engine.sources.upwork import MAX_POST_CHARS, capture_upwork_post

router = APIRouter(tags=["lead sources"])
EMAIL_ACTOR = Actor.system("inbound-email")
LINKEDIN_ACTOR = Actor.system("linkedin-leadgen")
MAX_LINKEDIN_BYTES = 256 * 1024
# What Mailgun and SendGrid post: some 20 text fields (a long body is one of them, up to
# PART_BYTES) and the attachments, which are never read. The whole post is capped by BodyLimit.
PART_BYTES = 2 * 1024 * 1024
MAX_FIELDS = 100
MAX_FILES = 20


class SourceNotConfigured(GraceError):
    """The webhook of an integration that is off: not found, as if the route did not exist."""

    status = 404
    code = "source_not_configured"


def _fields(form: Any) -> dict[str, str]:
    """Text fields of a provider's form post (attachments are not read)."""
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _basic_auth_password(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(value.strip()).decode().partition(":")[2]
    except (binascii.Error, UnicodeDecodeError):
        return None


def _result(result: IntakeResult) -> JSONResponse:
    status = 201 if result.created_lead else 200
    return JSONResponse(result.model_dump(mode="json"), status_code=status)


@router.post("/webhooks/email/{provider}")
async def email_webhook(provider: str, request: Request, services: ServicesDep,
                        secret: Annotated[str | None, Query(max_length=200)] = None) -> JSONResponse:
    """Mailgun (route forward, signed) or SendGrid Inbound Parse (secret in the URL or basic auth)."""
    s = services.settings
    if provider == "mailgun":
        if not s.mailgun_signing_key:
            raise SourceNotConfigured("Mailgun inbound is off: set GRACE_MAILGUN_SIGNING_KEY.")
        fields = _fields(await request.form(max_files=MAX_FILES, max_fields=MAX_FIELDS, max_part_size=PART_BYTES))
        if not inbound_email.verify_mailgun_signature(s.mailgun_signing_key, fields.get("timestamp", ""),
                                                      fields.get("token", ""), fields.get("signature", "")):
            raise Unauthenticated("The Mailgun signature does not match.")
        msg = inbound_email.parse_mailgun(fields)
        replay_token = fields.get("token")
    elif provider == "sendgrid":
        if not s.sendgrid_inbound_secret:
            raise SourceNotConfigured("SendGrid inbound is off: set GRACE_SENDGRID_INBOUND_SECRET.")
        given = secret if secret is not None else _basic_auth_password(request)
        if not inbound_email.secret_matches(s.sendgrid_inbound_secret, given):
            raise Unauthenticated("The SendGrid inbound secret does not match.")
        fields = _fields(await request.form(max_files=MAX_FILES, max_fields=MAX_FIELDS, max_part_size=PART_BYTES))
        msg = inbound_email.parse_sendgrid(fields)
        replay_token = None
    else:
        raise NotFound(f"No inbound e-mail provider {provider!r}: use mailgun or sendgrid.", field="provider")
    return _result(await run_op(services, EMAIL_ACTOR, inbound_email.receive_email, msg,
                                signature_token=replay_token))


@router.get("/webhooks/linkedin")
async def linkedin_challenge(services: ServicesDep,
                             challengeCode: Annotated[str, Query(min_length=1, max_length=linkedin.CHALLENGE_CHARS)]) -> dict[str, str]:  # noqa: N803
    """LinkedIn's webhook validation: echo the code with its HMAC under the client secret."""
    secret = services.settings.linkedin_client_secret
    if not secret:
        raise SourceNotConfigured("LinkedIn is off: set GRACE_LINKEDIN_CLIENT_SECRET.")
    return linkedin.challenge_response(secret, challengeCode)


@router.post("/webhooks/linkedin")
async def linkedin_webhook(request: Request, services: ServicesDep) -> JSONResponse:
    """A Lead Gen notification, signed `X-LI-Signature: hmacsha256=<hex>` over the raw body.

    A bare notification (URNs only) is completed from LinkedIn's API; one that already carries
    the response and the form's questions is used as it is.
    """
    secret = services.settings.linkedin_client_secret
    if not secret:
        raise SourceNotConfigured("LinkedIn is off: set GRACE_LINKEDIN_CLIENT_SECRET.")
    body = await request.body()
    if len(body) > MAX_LINKEDIN_BYTES:
        raise InvalidInput("The LinkedIn payload is too large.", field="body")
    if not linkedin.verify_signature(secret, body, request.headers.get("x-li-signature")):
        raise Unauthenticated("The LinkedIn signature does not match.")
    try:
        payload = json.loads(body)
    except ValueError:
        raise InvalidInput("The request body is not valid JSON.", field="body") from None
    if not isinstance(payload, dict):
        raise InvalidInput("The LinkedIn payload must be a JSON object.", field="body")
    action = str(payload.get("leadAction") or "CREATED").upper()
    if action != "CREATED":
        # DELETED and friends: nothing to capture (erasing a lead is a person's decision).
        return JSONResponse({"ignored": True, "leadAction": action}, status_code=200)
    if linkedin_api.needs_fetch(payload):
        payload = await linkedin_api.fetch_lead(services.settings, payload)
    data, external_id = linkedin.linkedin_to_lead(payload)
    result = await run_op(services, LINKEDIN_ACTOR, intake_lead, data, external_id=external_id, kind="lead_gen")
    return _result(result)


@router.post("/api/business/leads/upwork", tags=["leads"])
async def post_upwork(request: Request, services: ServicesDep, actor: ActorDep) -> JSONResponse:
    """Pasted Upwork job post text (text/plain body, or JSON {"text": ...}) becomes an upwork lead."""
    raw = await request.body()
    if len(raw) > MAX_POST_CHARS * 4:
        raise InvalidInput(f"The job post is longer than {MAX_POST_CHARS} characters.", field="text")
    text = raw.decode("utf-8", errors="replace")
    if "json" in request.headers.get("content-type", ""):
        try:
            text = json.loads(raw).get("text", "")
        except (ValueError, AttributeError):
            raise InvalidInput('Send {"text": "<the job post>"} or the text itself.', field="text") from None
        if not isinstance(text, str):
            raise InvalidInput("text must be a string.", field="text")
    return _result(await run_op(services, actor, capture_upwork_post, text))
