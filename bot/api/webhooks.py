"""POST /webhooks/stripe: the raw body goes to the engine, which verifies, stores and processes it."""

from __future__ import annotations

from fastapi import APIRouter, Request

from bot.api.deps import ServicesDep
from bot.api.inbound import SourceNotConfigured
from engine.billing.webhooks import receive_stripe_webhook

router = APIRouter(tags=["webhooks"])


@router.post("/webhooks/stripe")
async def stripe_webhook(request: Request, services: ServicesDep) -> dict[str, str]:
    if not services.settings.stripe_webhook_secret:
        raise SourceNotConfigured("Stripe webhooks are off: set STRIPE_WEBHOOK_SECRET.")
    outcome = await receive_stripe_webhook(services, await request.body(), request.headers.get("stripe-signature"),
                                           remote=request.client.host if request.client else None)
    return {"event": outcome.event_id, "type": outcome.kind, "result": outcome.result}
