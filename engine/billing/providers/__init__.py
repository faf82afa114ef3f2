"""Payment providers, chosen from the settings: Stripe when `STRIPE_API_KEY` is set, else manual."""

from __future__ import annotations

from engine.billing.providers.base import InvoiceRequest, PaymentProvider, ProviderInvoice
from engine.billing.providers.manual import ManualProvider, PayLinks
from engine.billing.providers.stripe import StripeProvider
from engine.context import Services

EXTRA_KEY = "payments"


def pay_links(services: Services) -> PayLinks:
    s = services.settings
    return PayLinks(s.resolved_secret_key(), s.public_url)


def payment_provider(services: Services) -> PaymentProvider:
    """The provider for these services, built once and kept in `services.extras`."""
    provider = services.extras.get(EXTRA_KEY)
    if provider is None:
        s = services.settings
        if s.stripe_api_key:
            provider = StripeProvider(s.stripe_api_key, s.stripe_api_url)
        else:
            provider = ManualProvider(pay_links(services))
        services.extras[EXTRA_KEY] = provider
    return provider  # type: ignore[no-any-return]


__all__ = ["InvoiceRequest", "PaymentProvider", "ProviderInvoice", "payment_provider", "pay_links"]
