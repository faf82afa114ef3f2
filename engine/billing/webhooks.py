"""Stripe webhooks: verified, stored once by event id, processed once, marked handled.

Stripe delivers at least once, for up to three days, in any order. The event row
(`inbound_events`, unique on source + external id) is what makes the effects
exactly-once: whoever holds the row's lock and finds it unhandled processes it, in
the same transaction that marks it handled.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from engine.actors import Actor
from engine.billing.errors import InvalidWebhookSignature, InvoiceNotYetKnown
from engine.billing.settle import record_payment_failure, settle_invoice
from engine.context import OperationContext, Services, unit_of_work
from engine.inbound import record_inbound
from storage.models import InboundEvent, Invoice
from storage.types import utcnow

log = logging.getLogger(__name__)
SOURCE = "stripe"
STRIPE = Actor.system("stripe-webhook")


@dataclass(frozen=True, slots=True)
class WebhookOutcome:
    event_id: str
    kind: str
    result: str  # processed | duplicate | ignored


async def receive_stripe_webhook(services: Services, payload: bytes, signature: str | None,
                                 *, remote: str | None = None) -> WebhookOutcome:
    """Verify, store and process one delivery. A bad signature raises (400) and is logged, never
    audited: anyone can send one, and each would grow the audit chain under its lock (the edge
    counts them in /metrics)."""
    from engine.billing.providers.stripe import verify_stripe_event  # deferred for start-up time: stripe

    try:
        event = verify_stripe_event(payload, signature, services.settings.stripe_webhook_secret)
    except InvalidWebhookSignature as refused:
        log.warning("stripe webhook refused: %s (bytes=%d sha256=%s signature_present=%s remote=%s)",
                    refused.message, len(payload), hashlib.sha256(payload).hexdigest()[:16], bool(signature), remote)
        raise
    await record_inbound(services.session_factory, SOURCE, event["id"], event["type"][:100], event)
    return await _process_stored(services, event["id"], event["type"])


async def _process_stored(services: Services, event_id: str, kind: str) -> WebhookOutcome:
    try:
        async with unit_of_work(services, STRIPE) as ctx:
            stmt = select(InboundEvent).where(InboundEvent.source == SOURCE, InboundEvent.external_id == event_id)
            if services.dialect == "postgresql":
                stmt = stmt.with_for_update()
            row = (await ctx.session.execute(stmt)).scalar_one()
            if row.handled_at is not None:
                return WebhookOutcome(event_id, kind, "duplicate")
            result = await handle_payment_event(ctx, row.payload)
            row.handled_at = utcnow()
            row.error = None
            return WebhookOutcome(event_id, kind, result)
    except Exception as e:
        # Kept on the row for whoever looks; Stripe will deliver again.
        async with services.session_factory() as s:
            await s.execute(update(InboundEvent)
                            .where(InboundEvent.source == SOURCE, InboundEvent.external_id == event_id)
                            .values(error=f"{type(e).__name__}: {e}"[:2000]))
            await s.commit()
        raise


async def handle_payment_event(ctx: OperationContext, event: dict[str, Any]) -> str:
    """Apply one Stripe event to our invoices. Returns 'processed' or 'ignored'."""
    ctx.check_policy("handle_payment_event")
    kind = event.get("type")
    obj = ((event.get("data") or {}).get("object")) or {}
    if kind not in ("invoice.paid", "invoice.payment_failed") or obj.get("object") != "invoice":
        return "ignored"
    invoice = await _our_invoice(ctx, obj)
    if invoice is None:
        ctx.audit("webhook.ignored", f"stripe:{event['id']}", reason="not one of our invoices", kind=kind)
        return "ignored"
    if kind == "invoice.paid":
        _check_amount(ctx, invoice, obj, event["id"])
        await settle_invoice(ctx, invoice.id, transaction_id=_transaction_id(obj), paid_at=_paid_at(obj),
                             method="stripe", source=f"stripe event {event['id']}")
    else:
        reason = ((obj.get("last_finalization_error") or {}).get("message")
                  or "the client's payment attempt failed at Stripe")
        await record_payment_failure(ctx, invoice, reason, event["id"])
    return "processed"


async def _our_invoice(ctx: OperationContext, obj: dict[str, Any]) -> Invoice | None:
    """By Stripe's invoice id, else by our key in its metadata (the event can beat our own commit)."""
    s = ctx.session
    stripe_id = obj.get("id")
    if isinstance(stripe_id, str):
        found = (await s.execute(select(Invoice).where(Invoice.provider_invoice_id == stripe_id))).scalar_one_or_none()
        if found is not None:
            return found
    key = (obj.get("metadata") or {}).get("grace_invoice_key")
    if not isinstance(key, str) or not key:
        return None
    found = (await s.execute(select(Invoice).where(Invoice.idempotency_key == key))).scalar_one_or_none()
    if found is None:
        # Ours, but the invoice's transaction has not committed yet: 503, Stripe retries.
        raise InvoiceNotYetKnown(f"Invoice {key} is not recorded yet; deliver again later.")
    if found.provider_invoice_id is None and isinstance(stripe_id, str):
        found.provider_invoice_id = stripe_id
    return found


def _check_amount(ctx: OperationContext, invoice: Invoice, obj: dict[str, Any], event_id: str) -> None:
    """Stripe says paid; if it collected another amount than we invoiced, leave a trace for finance."""
    paid = obj.get("amount_paid")
    if not isinstance(paid, int):
        return
    from engine.billing.providers.stripe import minor_units  # deferred for start-up time: stripe

    expected = minor_units(invoice.amount, invoice.currency)
    if paid != expected:
        ctx.audit("invoice.amount_mismatch", f"invoice:{invoice.id}", event=event_id, expected_minor=expected,
                  paid_minor=paid, currency=invoice.currency)


def _transaction_id(obj: dict[str, Any]) -> str | None:
    for field in ("payment_intent", "charge"):
        if isinstance(obj.get(field), str):
            return str(obj[field])
    # API versions from 2025 list payments instead.
    for p in ((obj.get("payments") or {}).get("data") or []):
        pi = (p.get("payment") or {}).get("payment_intent")
        if isinstance(pi, str):
            return pi
    return obj.get("id") if isinstance(obj.get("id"), str) else None


def _paid_at(obj: dict[str, Any]) -> Any:
    ts = (obj.get("status_transitions") or {}).get("paid_at")
    return datetime.fromtimestamp(ts, UTC) if isinstance(ts, int) else None
