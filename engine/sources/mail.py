"""Inbound e-mail: Mailgun routes and SendGrid Inbound Parse posts, mapped to a lead or an interaction."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.parser import HeaderParser
from email.utils import parseaddr

from mailparser_reply import EmailReplyParser
from sqlalchemy import select

from engine.context import OperationContext
from engine.errors import InvalidInput, Unauthenticated
from engine.pipeline.schemas import LeadInput, LeadSource
from engine.sources.intake import (
    IntakeResult,
    claim_inbound,
    intake_lead,
    mark_handled,
    open_lead_for,
    previous_result,
    record_interaction,
)
from storage.models import InboundEvent

MAX_BODY_CHARS = 8_000
REPLY_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pt"]


@dataclass(frozen=True)
class InboundEmail:
    provider: str
    from_name: str
    from_address: str
    subject: str
    body: str  # the new text only: quoted replies and signature removed
    message_id: str


MAILGUN_MAX_AGE_SECONDS = 300


def mailgun_timestamp_fresh(timestamp: str, *, now: float | None = None) -> bool:
    """Mailgun's `timestamp` (Unix seconds) is within 5 minutes of now: an old signed request
    replayed later is refused even before its token is looked up."""
    try:
        ts = int(timestamp.strip())
    except (ValueError, AttributeError):
        return False
    t = time.time() if now is None else now
    return abs(t - ts) <= MAILGUN_MAX_AGE_SECONDS


def verify_mailgun_signature(signing_key: str, timestamp: str, token: str, signature: str, *,
                             now: float | None = None) -> bool:
    """Mailgun signs `timestamp + token` with HMAC-SHA256 under the webhook signing key (hex digest);
    the timestamp must be at most 5 minutes old."""
    if not (signing_key and timestamp and token and signature):
        return False
    if not mailgun_timestamp_fresh(timestamp, now=now):
        return False
    expected = hmac.new(signing_key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.strip().lower())


def secret_matches(expected: str, given: str | None) -> bool:
    return bool(expected) and given is not None and hmac.compare_digest(expected.encode(), given.encode())


# mail-parser-reply's patterns backtrack badly on long whitespace runs (2,000 spaces: 0.2 s,
# 8,000: 5 s) and its work grows with the number of lines. Only the newest part is kept, and
# at most MAX_BODY_CHARS of it, so the parser sees a bounded, tidied head of the message.
REPLY_PARSER_CHARS = MAX_BODY_CHARS
REPLY_PARSER_LINES = 300
REPLY_PARSER_LINE_CHARS = 200
_SPACE_RUN = re.compile(r"[^\S\n]{4,}")
_BLANK_RUN = re.compile(r"\n{3,}")


def strip_reply(text: str) -> str:
    """The newest part of a plain-text message, without quoted history or the signature."""
    text = (text or "")[:REPLY_PARSER_CHARS * 4].replace("\r\n", "\n")
    text = _BLANK_RUN.sub("\n\n", _SPACE_RUN.sub("   ", text)).strip()
    lines = text[:REPLY_PARSER_CHARS].split("\n")[:REPLY_PARSER_LINES]
    text = "\n".join(lines)
    if not text:
        return ""
    # The parser sees each line cut to REPLY_PARSER_LINE_CHARS (its header patterns backtrack
    # along a line); where it ends the reply is then applied to the whole lines.
    view = "\n".join(line[:REPLY_PARSER_LINE_CHARS] for line in lines)
    parsed = EmailReplyParser(languages=REPLY_LANGUAGES).read(text=view)
    if parsed.replies:
        body = (parsed.replies[0].body or "").strip()
        if body:
            kept = body.count("\n") + 1
            return "\n".join(lines[:kept]).strip() if view.startswith(body) else body
    return text


def _message_id(headers: str | None, fallback: str) -> str:
    if headers:
        mid = HeaderParser().parsestr(headers).get("Message-ID")
        if mid:
            return mid.strip()
    return "sha256:" + hashlib.sha256(fallback.encode()).hexdigest()


# RFC 5322's line limit. Python's parseaddr recurses on some shapes of text (a long run of
# `:` groups exhausts the stack), so a longer header is refused before it is parsed.
MAX_HEADER_CHARS = 998


def _sender(raw: str | None) -> tuple[str, str]:
    if len(raw or "") > MAX_HEADER_CHARS:
        raise InvalidInput(f"The sender is longer than {MAX_HEADER_CHARS} characters.", field="from")
    name, address = parseaddr(raw or "")
    if not address or "@" not in address:
        raise InvalidInput("The message has no sender address.", field="from")
    return name.strip().strip('"'), address.strip()


def _mailgun_header(headers_json: str | None, name: str) -> str | None:
    """Mailgun sends every header as `message-headers`, a JSON list of [name, value] pairs."""
    try:
        pairs = json.loads(headers_json or "[]")
    except ValueError:
        return None
    for pair in pairs if isinstance(pairs, list) else []:
        if isinstance(pair, list) and len(pair) == 2 and str(pair[0]).lower() == name:
            return str(pair[1])
    return None


def parse_mailgun(fields: Mapping[str, str]) -> InboundEmail:
    """A Mailgun route's forward: sender/from, subject, body-plain, stripped-text, Message-Id."""
    name, address = _sender(fields.get("from") or fields.get("sender"))
    if not name and fields.get("from"):
        name, _ = parseaddr(fields["from"][:MAX_HEADER_CHARS])
    subject = (fields.get("subject") or fields.get("Subject") or "").strip()
    stripped = (fields.get("stripped-text") or "").strip()
    plain = fields.get("body-plain") or ""
    # Mailgun's own stripping is good, but a forward without it still gets ours.
    body = strip_reply(stripped or plain)
    mid = fields.get("Message-Id") or _mailgun_header(fields.get("message-headers"), "message-id") or ""
    message_id = mid.strip() or _message_id(None, f"{address}\n{subject}\n{plain}")
    return InboundEmail("mailgun", name, address, subject, body, message_id)


def parse_sendgrid(fields: Mapping[str, str]) -> InboundEmail:
    """SendGrid Inbound Parse (not raw): from, subject, text, headers."""
    name, address = _sender(fields.get("from"))
    subject = (fields.get("subject") or "").strip()
    plain = fields.get("text") or ""
    body = strip_reply(plain)
    message_id = _message_id(fields.get("headers"), f"{address}\n{subject}\n{plain}")
    return InboundEmail("sendgrid", name, address, subject, body, message_id)


def email_to_lead(msg: InboundEmail) -> LeadInput:
    name = msg.from_name or msg.from_address.split("@")[0]
    requirements = "\n\n".join(p for p in (msg.subject, msg.body[:MAX_BODY_CHARS]) if p) or None
    try:
        return LeadInput(source=LeadSource.COLD_EMAIL, name=name[:200], email=msg.from_address,
                         requirements=requirements,
                         metadata={"email": {"provider": msg.provider, "subject": msg.subject[:300],
                                             "message_id": msg.message_id[:300]}})
    except ValueError as e:
        raise InvalidInput(f"from: {e}", field="from") from None


async def receive_email(ctx: OperationContext, msg: InboundEmail, *,
                        signature_token: str | None = None) -> IntakeResult:
    """A message from a client with an open lead becomes an interaction on it; otherwise a new lead.

    Exactly once per Message-ID: a provider's retry returns the first result. Mailgun signs only
    its timestamp and token, not the message: `signature_token` is remembered so that a captured
    signature cannot be replayed with another message.
    """
    ctx.check_policy("capture_lead")
    data = email_to_lead(msg)
    if signature_token:
        await _refuse_replayed_signature(ctx, msg, signature_token)
    event = await claim_inbound(ctx, "email", msg.message_id, kind=msg.provider)
    if event is None:
        before = await previous_result(ctx, "email", msg.message_id)
        if before is not None:
            return before
    lead = await open_lead_for(ctx, data.email)
    if lead is None:
        result = await intake_lead(ctx, data)
    else:
        summary = "\n\n".join(p for p in (msg.subject, msg.body[:MAX_BODY_CHARS]) if p) or "(empty message)"
        interaction = await record_interaction(ctx, lead, kind="email", channel="email", summary=summary,
                                               metadata={"provider": msg.provider, "message_id": msg.message_id,
                                                         "from": msg.from_address})
        result = IntakeResult(lead_id=lead.id, client_id=lead.client_id, created_lead=False,
                              interaction_id=interaction.id)
    mark_handled(event, result)
    return result


async def _refuse_replayed_signature(ctx: OperationContext, msg: InboundEmail, token: str) -> None:
    if await claim_inbound(ctx, f"{msg.provider}_token", token, kind="signature",
                           payload={"message_id": msg.message_id[:300]}) is not None:
        return
    row = (await ctx.session.execute(select(InboundEvent).where(
        InboundEvent.source == f"{msg.provider}_token", InboundEvent.external_id == token[:200]))).scalar_one()
    if (row.payload or {}).get("message_id") != msg.message_id[:300]:
        raise Unauthenticated("This webhook signature was already used for another message.")
