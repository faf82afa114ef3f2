"""Small factories for billing tests: a client, its lead and a priced project with a plan."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from engine.context import Services
from storage.models import Client, Lead, Milestone, Project
from tests.fakes.stripe import FakeStripe

THIRDS = ["0.333333", "0.333333", "0.333334"]


async def make_project(services: Services, *, price: str = "10000.00", shares: list[str] | None = None,
                       stage: str = "DELIVERED", currency: str = "USD", client_id: int | None = None,
                       accepted: bool = True) -> Project:
    """A delivered project; by default its client accepted the proposal (`accepted=False`: nobody signed)."""
    async with services.session_factory() as s:
        if client_id is None:
            tag = uuid.uuid4().hex[:8]
            client = Client(name=f"Grace Hopper {tag}", email=f"grace.{tag}@example.com",
                            email_normalized=f"grace.{tag}@example.com", company="Navy", currency=currency)
            s.add(client)
            await s.flush()
            client_id = client.id
        lead = Lead(client_id=client_id, source="referral", stage=stage, currency=currency)
        s.add(lead)
        await s.flush()
        project = Project(client_id=client_id, lead_id=lead.id, title="Support chatbot", price=Decimal(price),
                          currency=currency, status="delivered", proposal_approved=accepted)
        s.add(project)
        await s.flush()
        p = Decimal(price)
        for i, share in enumerate(shares or [], start=1):
            s.add(Milestone(project_id=project.id, seq=i, name=f"Phase {i}", share=Decimal(share),
                            amount=(p * Decimal(share)).quantize(Decimal("0.01"))))
        await s.commit()
        return project


def use_stripe(services: Services, fake: FakeStripe, webhook_secret: str = "whsec_test") -> None:
    services.settings.stripe_api_key = fake.api_key
    services.settings.stripe_api_url = fake.url
    services.settings.stripe_webhook_secret = webhook_secret
    services.payments = None


async def reload(services: Services, model: Any, id_: int) -> Any:
    async with services.session_factory() as s:
        return await s.get(model, id_)
