"""Small factories for scoring tests: closed leads with a learnable outcome."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from engine.context import Services
from storage.models import Client, Lead, LeadStageHistory
from storage.types import utcnow


async def seed_history(services: Services, won: int, lost: int, *, seed: int = 1) -> None:
    """`won` leads that reached CONTRACT and `lost` LOST ones; won leads tend to have bigger budgets
    and to come by referral, so a model has something to learn."""
    rng = random.Random(seed)
    now = utcnow()
    async with services.session_factory() as s:
        outcomes = [1] * won + [0] * lost
        rng.shuffle(outcomes)
        for i, outcome in enumerate(outcomes):
            created = now - timedelta(days=60 + i)
            c = Client(name=f"Hist {i}", email=f"h{i}.{seed}@corp{i % 7}.com",
                       email_normalized=f"h{i}.{seed}@corp{i % 7}.com",
                       industry=rng.choice(["software", "retail"]), country="France", first_contact_at=created,
                       metadata_={"Employees": str(rng.randint(5, 50) * (3 if outcome else 1))})
            s.add(c)
            await s.flush()
            budget = rng.randint(8, 60) * 1000 if outcome else rng.randint(1, 20) * 1000
            stage = "CONTRACT" if outcome else "LOST"
            closed = created + timedelta(days=rng.randint(10, 40))
            lead = Lead(client_id=c.id, source=rng.choice(["referral", "website"] if outcome else ["website", "cold_email"]),
                        stage=stage, budget=Decimal(budget), requirements="A web shop with stripe payments",
                        created_at=created, stage_changed_at=closed, closed_at=closed,
                        lost_reason=None if outcome else "price")
            s.add(lead)
            await s.flush()
            s.add(LeadStageHistory(lead_id=lead.id, from_stage=None, to_stage="LEAD", actor="test", at=created))
            s.add(LeadStageHistory(lead_id=lead.id, from_stage="LEAD", to_stage=stage, actor="test", at=closed))
        await s.commit()
