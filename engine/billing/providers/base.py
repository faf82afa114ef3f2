"""The `PaymentProvider` protocol: how an issued invoice reaches the client."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class InvoiceRequest:
    """One of our invoice rows, flushed but not committed, as a provider needs it."""

    invoice_id: int
    invoice_number: str
    # Stable across retries of the same logical invoice (e.g. "project:7:milestone:2"):
    # providers derive their own idempotency keys from it, never from the row id.
    idempotency_key: str
    amount: Decimal
    currency: str
    description: str
    days_until_due: int
    client_id: int
    client_name: str
    client_email: str
    client_metadata: dict[str, Any] = field(default_factory=dict)
    project_id: int = 0


@dataclass(frozen=True, slots=True)
class ProviderInvoice:
    method: str  # "stripe" or "bank_transfer"
    payment_link: str
    provider_invoice_id: str | None = None
    # Keys to merge into the client's metadata (e.g. the Stripe customer id).
    client_metadata: dict[str, Any] = field(default_factory=dict)


class PaymentProvider(Protocol):
    name: str

    async def issue(self, request: InvoiceRequest) -> ProviderInvoice:
        """Make the invoice payable. Idempotent: the same request twice gives the same invoice."""
        ...

    async def mark_paid_out_of_band(self, provider_invoice_id: str, idempotency_key: str) -> None:
        """Finance recorded the payment themselves: stop the provider from collecting it again."""
        ...

    async def close(self) -> None: ...
