"""Small factories for scoring tests: closed leads with a learnable outcome."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx

from engine.context import Services
from engine.scoring.features import LeadRecord
from storage.models import Client, Lead, LeadStageHistory
from storage.types import utcnow
from tests.conftest import lead_data


async def seed_history(services: Services, won: int, lost: int, *, seed: int = 1, currency: str = "USD",
                       lost_without_budget: float = 0.0) -> None:
    """`won` leads that reached CONTRACT and `lost` LOST ones, their budgets in `currency` (about
    `lost_without_budget` of the lost ones gave none); won leads tend to have bigger budgets and to
    come by referral, so a model has something to learn."""
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
            given = outcome or not lost_without_budget or rng.random() >= lost_without_budget
            stage = "CONTRACT" if outcome else "LOST"
            closed = created + timedelta(days=rng.randint(10, 40))
            lead = Lead(client_id=c.id, source=rng.choice(["referral", "website"] if outcome else ["website", "cold_email"]),
                        stage=stage, budget=Decimal(budget) if given else None, currency=currency, requirements="A web shop with stripe payments",
                        created_at=created, stage_changed_at=closed, closed_at=closed,
                        lost_reason=None if outcome else "price")
            s.add(lead)
            await s.flush()
            s.add(LeadStageHistory(lead_id=lead.id, from_stage=None, to_stage="LEAD", actor="test", at=created))
            s.add(LeadStageHistory(lead_id=lead.id, from_stage="LEAD", to_stage=stage, actor="test", at=closed))
        await s.commit()


def records(n: int, seed: int = 3) -> list[LeadRecord]:
    """Leads with the awkward values real data holds: blanks, form placeholders, padded text,
    numbers as strings, booleans beside 1 and 0, nested custom values, missing dates."""
    rng = random.Random(seed)
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    out = []
    for i in range(n):
        first = rng.choice([None, now - timedelta(days=rng.randint(0, 300), seconds=rng.randint(0, 86399))])
        out.append(LeadRecord(
            company=rng.choice([None, "Co", " ", "n/a", "Select"]),
            email=rng.choice([None, f"a@co{i % 9}.com", "x@Gmail.com", "no-at-sign", " "]),
            budget=rng.choice([None, 0.0, float(rng.randint(1, 80) * 1000)]),
            industry=rng.choice(["software", "Retail ", None, "select", "HEALTH"]),
            source=rng.choice(["referral", "website", "n/a"]),
            country=rng.choice(["France", "USA", None, " usa"]),
            requirements=rng.choice([None, "", "  ", f"API integration for {i} users with stripe " * rng.randint(1, 3)]),
            timeline=rng.choice([None, "2 months", "asap", "later", "n/a", "in 3 weeks"]),
            project_type=rng.choice([None, "web", "app"]),
            interactions=rng.choice([None, 0, 3]),
            first_contact_at=first, as_of=now if rng.random() < 0.9 else None,
            custom={"Employees": rng.choice([str(rng.randint(1, 500)), 5, 7.5, None, "1,200", "n/a"]),
                    "Channel": rng.choice("abcde"), "Nested": {"a": 1}, "Tags": ["x"],
                    "Flag": rng.choice([True, False, 1, 0, "yes"]), **({"Rare": "r"} if i % 7 == 0 else {}),
                    "Signed Up": rng.choice([None, "n/a", "not a date", f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                                             f"{rng.randint(1, 28)}/{rng.randint(1, 12)}/2024", "2026-03-01T10:30:00+02:00",
                                             "2025-11-30"]),
                    "Page": f"page-{rng.randint(0, 80)}"},
        ))
    return out


async def qualified_factors(api: httpx.AsyncClient, **lead: str | None) -> list[dict]:
    """Capture a lead (`lead_data` with `lead`'s fields) and qualify it over the API; its factors."""
    r = await api.post("/api/business/leads", json=lead_data(**lead))
    assert r.status_code == 201, r.text
    q = await api.post(f"/api/business/leads/{r.json()['lead_id']}/qualify")
    assert q.status_code == 200, q.text
    return list(q.json()["factors"])


async def budget_factor(api: httpx.AsyncClient, **lead: str | None) -> dict:
    """`qualified_factors`' budget factor."""
    return next(f for f in await qualified_factors(api, **lead) if f["feature"].startswith("budget"))
