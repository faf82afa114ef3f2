"""Batch scoring from columns (leads loaded from the database dictionary-encoded) gives exactly
what one lead at a time gives."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import numpy as np
from sqlalchemy import select

from engine.fx import Rates
from engine.scoring.batch import LeadColumns, load_lead_columns, transform_columns
from engine.scoring.explain import model_factors
from engine.scoring.features import FeatureSpace, extract
from engine.scoring.model import fit_scorer
from engine.scoring.records import interactions_count, lead_record
from storage.models import Client, Interaction, Lead
from storage.types import utcnow
from tests.helpers.scoring import records

# Budgets in EUR and INR convert (to the cent, as in SQL); GBP has no rate: no budget amount.
RATES = Rates(base="USD", rates={"EUR": Decimal("1.08"), "INR": Decimal("0.012")})


def test_columns_from_records_give_the_matrix_of_extract() -> None:
    recs = records(600)
    space = FeatureSpace.fit([extract(r) for r in recs])
    assert {"custom.Employees", "custom.Flag", "days_since_first_contact", "corporate_domain"} <= set(space.features)
    other = records(300, seed=4)  # unseen rows: other categories, other numbers, missing dates
    for batch in (recs, other, other[:1]):
        cols = LeadColumns.from_records(batch, space)
        assert np.array_equal(transform_columns(space, cols), space.transform([extract(r) for r in batch]))


def test_a_column_keeps_true_apart_from_one_and_nested_values_apart() -> None:
    cols = LeadColumns.from_records(records(200), FeatureSpace.fit([extract(r) for r in records(200)]))
    flag = cols.fields["custom.Flag"]
    assert [v for v in flag.values if v is True] == [True] and 1 in [v for v in flag.values if v is not True]
    assert sum(isinstance(v, bool) for v in flag.values) == 2 and len(flag.values) == 5


async def _seed_awkward(services, n: int = 120, seed: int = 5) -> None:  # type: ignore[no-untyped-def]
    """Stored leads with the values real data holds: blanks, placeholders, padded text, numbers
    as strings and as JSON numbers, booleans beside 1 and 0, nested values, a lead's own
    metadata overriding its client's (a JSON null included), interactions before and after close."""
    rng = random.Random(seed)
    now = utcnow()
    async with services.session_factory() as s:
        for i in range(n):
            created = now - timedelta(days=rng.randint(0, 300), seconds=rng.randint(0, 86399),
                                      microseconds=rng.randint(0, 999999))
            meta = {"Employees": rng.choice([str(rng.randint(1, 500)), 5, 7.5, None, "1,200", "n/a", 1e5, " 12 "]),
                    "Channel": rng.choice(["a", "b", "c", "B ", "select", ""]), "Nested": {"a": 1},
                    "Flag": rng.choice([True, False, 1, 0, "yes"]), "Tags": ["x"],
                    **({"Rare": "r"} if i % 7 == 0 else {}), **({"Ünï": "é"} if i % 3 == 0 else {})}
            c = Client(name=f"C {i}", email=rng.choice([f"a{i}@co{i % 9}.com", f"x{i}@Gmail.com", f"no-at-{i}"]),
                       email_normalized=f"c{i}.{seed}@x.com", company=rng.choice([None, "Co", " ", "n/a", "Select"]),
                       industry=rng.choice(["software", "Retail ", None, "select", "HEALTH"]),
                       country=rng.choice(["France", "USA", None, " usa"]),
                       first_contact_at=created - timedelta(days=rng.randint(0, 30), seconds=rng.randint(0, 9999)),
                       metadata_=meta)
            s.add(c)
            await s.flush()
            closed = rng.random() < 0.3
            lead_meta = rng.choice([{}, {"Channel": None}, {"Employees": 42}, {"Flag": False}])
            lead = Lead(client_id=c.id, source=rng.choice(["referral", "website", "n/a"]),
                        stage=rng.choice(["CONTRACT", "LOST"]) if closed else "LEAD",
                        budget=rng.choice([None, Decimal(0), Decimal(rng.randint(1, 80) * 1000), Decimal("1234.56")]),
                        currency=rng.choice(["USD", "USD", "EUR", "INR", "GBP"]),
                        requirements=rng.choice([None, "", "  ", f"API integration for {i % 4} users with stripe"]),
                        timeline=rng.choice([None, "2 months", "asap", "later", "n/a", "in 3 weeks"]),
                        project_type=rng.choice([None, "web", "app"]), created_at=created,
                        closed_at=created + timedelta(days=5) if closed else None, metadata_=lead_meta)
            s.add(lead)
            await s.flush()
            for k in range(rng.choice([0, 0, 1, 3])):
                s.add(Interaction(client_id=c.id, lead_id=lead.id, kind="email",
                                  occurred_at=created + timedelta(days=2 * k + 1)))
        await s.commit()


async def _records(services, where=None):  # type: ignore[no-untyped-def]
    stmt = select(Lead, Client, interactions_count()).join(Client, Lead.client_id == Client.id).order_by(Lead.id)
    if where is not None:
        stmt = stmt.where(where)
    async with services.session_factory() as s:
        rows = (await s.execute(stmt)).all()
    return [lead_record(lead, client, n, RATES) for lead, client, n in rows], [lead.id for lead, _, _ in rows]


async def test_leads_loaded_as_columns_score_as_one_lead_at_a_time(services):  # type: ignore[no-untyped-def]
    await _seed_awkward(services)
    recs, ids = await _records(services)
    rows = [extract(r) for r in recs]
    space = FeatureSpace.fit(rows, min_count=3)
    assert {"custom.Employees", "custom.Flag", "custom.Channel", "days_since_first_contact", "interactions",
            "budget_amount", "corporate_domain"} <= set(space.features)
    async with services.session_factory() as s:
        cols = await load_lead_columns(s, space, RATES)
        open_cols = await load_lead_columns(s, space, RATES, Lead.stage == "LEAD")
    assert cols.lead_ids.tolist() == ids
    assert np.array_equal(transform_columns(space, cols), space.transform(rows))

    y = np.array([1 if (r.budget or 0) > 30000 or i % 4 == 0 else 0 for i, r in enumerate(recs)])
    scorer, _ = fit_scorer(rows, y, name="logistic_regression")
    async with services.session_factory() as s:
        cols = await load_lead_columns(s, scorer.space, RATES)
    batch = scorer.proba_columns(cols)
    assert np.array_equal(batch, scorer.proba_records(recs))
    single = [model_factors(scorer, f, "USD")[0] for f in rows[:30]]
    np.testing.assert_allclose(batch[:30] * 100.0, single, rtol=0, atol=1e-9)

    open_recs, open_ids = await _records(services, Lead.stage == "LEAD")
    assert 0 < len(open_ids) < len(ids) and open_cols.lead_ids.tolist() == open_ids
    assert np.array_equal(transform_columns(space, open_cols), space.transform([extract(r) for r in open_recs]))


async def test_no_lead_matching_gives_empty_columns(services):  # type: ignore[no-untyped-def]
    await _seed_awkward(services, n=30)
    recs, _ = await _records(services)
    space = FeatureSpace.fit([extract(r) for r in recs], min_count=2)
    async with services.session_factory() as s:
        cols = await load_lead_columns(s, space, RATES, Lead.stage == "PAID")
    assert len(cols) == 0 and transform_columns(space, cols).shape == (0, space.width)
