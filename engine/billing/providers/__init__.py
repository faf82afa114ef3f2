"""Payment providers, chosen from the settings: Stripe when `STRIPE_API_KEY` is set, else manual."""

from __future__ import annotations

from engine.billing.providers.manual import ManualProvider, PayLinks
from engine.config import Settings
from engine.context import Services
from engine.ports import InvoiceRequest, PaymentProvider, ProviderInvoice


def pay_links(services: Services) -> PayLinks:
    s = services.settings
    return PayLinks(s.resolved_secret_key(), s.public_url)


def build_payment_provider(settings: Settings) -> PaymentProvider:
    """Stripe when `STRIPE_API_KEY` is set, else the manual pay page (chosen at start-up)."""
    if settings.stripe_api_key:
        from engine.billing.providers.stripe import StripeProvider  # deferred: stripe's SDK, only with a key

        return StripeProvider(settings.stripe_api_key, settings.stripe_api_url)
    return ManualProvider(PayLinks(settings.resolved_secret_key(), settings.public_url))


def payment_provider(services: Services) -> PaymentProvider:
    """The provider of these services (`Services.payments`), built from the settings if none was given."""
    if services.payments is None:
        services.payments = build_payment_provider(services.settings)
    return services.payments


__all__ = ["InvoiceRequest", "PaymentProvider", "ProviderInvoice", "build_payment_provider", "payment_provider", "pay_links"]
