"""Stripe: one customer per client, a one-off invoice sent for payment, its hosted page as the link.

Every create call carries an idempotency key derived from our invoice's own key, so a
retried `collect_payment` (or the SDK's own network retries) never makes a second
customer, item or invoice at Stripe.
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any

import stripe

from engine.billing.errors import InvalidWebhookSignature, PaymentProviderFailed
from engine.ports import InvoiceRequest, ProviderInvoice

log = logging.getLogger(__name__)

WEBHOOK_TOLERANCE_SECONDS = 300
# Stripe's zero-decimal currencies: amounts are sent as whole units.
# https://docs.stripe.com/currencies#zero-decimal
ZERO_DECIMAL = frozenset({"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND",
                          "VUV", "XAF", "XOF", "XPF"})
CUSTOMER_KEY = "stripe_customer_id"


def minor_units(amount: Decimal, currency: str) -> int:
    """Decimal amount -> Stripe's integer amount in the currency's smallest unit, exactly or not at all."""
    exponent = 0 if currency.upper() in ZERO_DECIMAL else 2
    scaled = amount.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise PaymentProviderFailed(f"{amount} {currency.upper()} cannot be expressed in whole minor units.",
                                    field="amount")
    return int(scaled)


def verify_stripe_event(payload: bytes, signature: str | None, secret: str) -> dict[str, Any]:
    """Check the `Stripe-Signature` header (HMAC and a 5-minute timestamp tolerance); return the event."""
    if not secret:
        raise InvalidWebhookSignature("Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET is unset).")
    if not signature:
        raise InvalidWebhookSignature("The Stripe-Signature header is missing.")
    try:
        stripe.Webhook.construct_event(payload, signature, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS)
        event = json.loads(payload)
    except stripe.SignatureVerificationError as e:
        raise InvalidWebhookSignature(f"The Stripe signature does not verify: {e.user_message or e}") from None
    except ValueError:
        raise InvalidWebhookSignature("The webhook body is not valid JSON.") from None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
        raise InvalidWebhookSignature("The webhook body is not a Stripe event.")
    return event


class StripeProvider:
    name = "stripe"

    def __init__(self, api_key: str, api_url: str, *, max_network_retries: int = 2) -> None:
        self._http = stripe.HTTPXClient(timeout=30)
        self.client = stripe.StripeClient(
            api_key, base_addresses={"api": api_url.rstrip("/")}, http_client=self._http,
            max_network_retries=max_network_retries,
        )

    async def issue(self, request: InvoiceRequest) -> ProviderInvoice:
        try:
            return await self._issue(request)
        except stripe.StripeError as e:
            log.warning("stripe refused invoice %s: %s", request.invoice_number, e)
            raise PaymentProviderFailed(
                f"Stripe could not issue invoice {request.invoice_number}: {e.user_message or e}. Nothing was saved; "
                "try again.") from None

    async def _issue(self, r: InvoiceRequest) -> ProviderInvoice:
        key = f"grace:{r.idempotency_key}"
        customer_id = await self._customer(r)
        currency = r.currency.lower()
        metadata = {"grace_invoice_key": r.idempotency_key, "grace_project_id": str(r.project_id),
                    "grace_client_id": str(r.client_id)}
        invoice = await self.client.v1.invoices.create_async(
            {"customer": customer_id, "collection_method": "send_invoice", "days_until_due": r.days_until_due,
             "currency": currency, "description": r.description, "metadata": metadata,
             "pending_invoice_items_behavior": "exclude", "auto_advance": False},
            {"idempotency_key": f"{key}:invoice"},
        )
        if invoice.status == "draft":
            await self.client.v1.invoice_items.create_async(
                {"customer": customer_id, "invoice": invoice.id, "amount": minor_units(r.amount, r.currency),
                 "currency": currency, "description": r.description, "metadata": metadata},
                {"idempotency_key": f"{key}:item"},
            )
            invoice = await self.client.v1.invoices.finalize_invoice_async(
                invoice.id, {}, {"idempotency_key": f"{key}:finalize"})
        if not invoice.hosted_invoice_url:
            raise PaymentProviderFailed(f"Stripe gave no payment page for invoice {r.invoice_number}.")
        return ProviderInvoice(method="stripe", payment_link=invoice.hosted_invoice_url,
                               provider_invoice_id=invoice.id, client_metadata={CUSTOMER_KEY: customer_id})

    async def _customer(self, r: InvoiceRequest) -> str:
        """The client's one Stripe customer: remembered in its metadata, found by search, or created."""
        known = r.client_metadata.get(CUSTOMER_KEY)
        if isinstance(known, str) and known:
            return known
        found = await self.client.v1.customers.search_async(
            {"query": f"metadata['grace_client_id']:'{r.client_id}'", "limit": 1})
        if found.data:
            return str(found.data[0].id)
        customer = await self.client.v1.customers.create_async(
            {"name": r.client_name, "email": r.client_email, "metadata": {"grace_client_id": str(r.client_id)}},
            {"idempotency_key": f"grace:client:{r.client_id}:customer"},
        )
        return str(customer.id)

    async def mark_paid_out_of_band(self, provider_invoice_id: str, idempotency_key: str) -> None:
        invoice = await self.client.v1.invoices.retrieve_async(provider_invoice_id)
        if invoice.status == "open":
            await self.client.v1.invoices.pay_async(provider_invoice_id, {"paid_out_of_band": True},
                                                    {"idempotency_key": f"grace:{idempotency_key}:paid-out-of-band"})

    async def close(self) -> None:
        await self._http.close_async()
