"""Every arithmetic rule of a proposal, over random catalogs, requirements and budgets."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.money import cents
from engine.proposals.architect import DraftRequest, OfflineArchitect
from engine.proposals.catalog import Catalog
from engine.proposals.plans import phases_of, plan_milestones
from engine.proposals.pricing import price_draft

WORDS = ["chatbot", "mobile", "app", "data", "pipeline", "vision", "model", "cloud", "search", "crm", "api",
         "dashboard", "forecast", "ios", "android", "migration", "workflow", "payments", "portal", "documents"]
ROLES = ["engineer", "designer", "qa", "consultant"]

hours = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("400"), places=2)
money = st.decimals(min_value=Decimal("1"), max_value=Decimal("500"), places=2)


@st.composite
def rates(draw: Any, roles: list[str]) -> dict[str, dict[str, Decimal]]:
    out = {}
    for r in roles:
        rate = draw(money)
        cost = draw(st.decimals(min_value=Decimal("0"), max_value=rate, places=2))
        out[r] = {"rate": rate, "cost": cost}
    return out


@st.composite
def deliverable(draw: Any, roles: list[str]) -> dict[str, Any]:
    return {"name": " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))) + f" {draw(st.integers(0, 10**6))}",
            "description": "d", "hours": draw(hours), "role": draw(st.sampled_from(roles)),
            "optional": draw(st.booleans())}


@st.composite
def catalogs(draw: Any) -> Catalog:
    roles = draw(st.lists(st.sampled_from(ROLES), min_size=1, max_size=4, unique=True))
    n = draw(st.integers(1, 5))
    services = []
    for i in range(n):
        override = draw(st.lists(st.sampled_from(roles), max_size=2, unique=True))
        services.append({
            "key": f"s{i}", "name": f"Service {i}",
            "description": " ".join(draw(st.lists(st.sampled_from(WORDS), max_size=6))),
            "keywords": draw(st.lists(st.sampled_from(WORDS), max_size=5)),
            "rates": draw(rates(override)),
            "deliverables": draw(st.lists(deliverable(roles), min_size=1, max_size=5)),
        })
    return Catalog.model_validate({
        "roles": draw(rates(roles)), "default_role": roles[0],
        "standard": {"start": draw(st.lists(deliverable(roles), max_size=2)),
                     "end": draw(st.lists(deliverable(roles), max_size=2))},
        "fallback": draw(st.sampled_from([None, *[s["key"] for s in services]])),
        "match_threshold": draw(st.floats(0, 0.5)), "max_services": draw(st.integers(1, 4)),
        "services": services,
    })


requirements = st.lists(st.sampled_from([*WORDS, "the", "we", "need", "a", "with"]), min_size=1, max_size=25).map(" ".join)
budgets = st.none() | st.decimals(min_value=Decimal("0"), max_value=Decimal("200000"), places=2)
caps = st.decimals(min_value=Decimal("0"), max_value=Decimal("0.5"), places=2)
capacities = st.decimals(min_value=Decimal("1"), max_value=Decimal("80"), places=1)
buffers = st.decimals(min_value=Decimal("0"), max_value=Decimal("1"), places=2)
START = datetime(2026, 1, 5, tzinfo=UTC)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogs(), requirements, budgets, caps, capacities, buffers)
def test_every_arithmetic_rule_holds(catalog: Catalog, text: str, budget: Decimal | None, cap: Decimal,
                                     capacity: Decimal, buffer: Decimal) -> None:
    draft = OfflineArchitect().compose(DraftRequest(requirements=text, company="Acme"), catalog)
    # discovery first, QA and hand-over last, always
    names = [d.name for d in draft.deliverables]
    start, end = [d.name for d in catalog.standard.start], [d.name for d in catalog.standard.end]
    assert names[: len(start)] == start and names[len(names) - len(end):] == end

    p = price_draft(draft.deliverables, catalog, budget=budget, max_discount=cap, capacity=capacity, buffer=buffer,
                    currency="USD")
    # price = Σ(hours × rate) − discount
    for line in p.lines:
        assert line.rate == catalog.rate_for(line.role, line.service).rate
        assert line.amount == cents(line.hours * line.rate)
    assert p.subtotal == sum((x.amount for x in p.lines), Decimal("0"))
    assert p.price == p.subtotal - p.discount
    # discount ≤ cap, and a discount never takes the price below cost
    assert Decimal("0") <= p.discount <= p.subtotal * cap
    cost = sum((cents(x.hours * x.cost_rate) for x in p.lines), Decimal("0"))
    assert p.cost == cost
    if p.discount > 0:
        assert p.price >= cost
    # price ≤ budget, or the proposal says it could not fit and why
    full = p.subtotal + sum((x.amount for x in p.removed), Decimal("0"))
    if budget is None:
        assert p.fits_budget and p.discount == 0 and not p.removed
    else:
        assert p.fits_budget == (p.price <= budget)
        if not p.fits_budget:
            assert "does not fit" in p.budget_note and "lowest price" in p.budget_note
        if full <= budget:
            assert not p.removed and p.discount == 0
    assert all(x.optional for x in p.removed)
    if p.removed:
        assert "Removed optional deliverables" in p.budget_note
    if p.discount > 0:
        assert "discount" in p.budget_note
    assert set(x.name for x in p.lines) | set(x.name for x in p.removed) == set(names)
    # weeks = ⌈hours ÷ capacity × (1 + buffer)⌉
    assert p.total_hours == sum((x.hours for x in p.lines), Decimal("0"))
    assert p.weeks == math.ceil(Fraction(p.total_hours) / Fraction(capacity) * (1 + Fraction(buffer)))
    # milestone shares sum to 100% of the price
    ms = plan_milestones(phases_of([x.model_dump() for x in p.lines]), p.price, capacity=capacity, buffer=buffer,
                         start=START)
    assert sum((m.share for m in ms), Decimal("0")) == 1
    assert sum((m.amount for m in ms), Decimal("0")) == p.price
    assert all(m.share >= 0 and m.amount >= 0 and m.share == m.share.quantize(Decimal("0.000001")) for m in ms)
    assert all(m.amount == m.amount.quantize(Decimal("0.01")) for m in ms)
    assert [m.seq for m in ms] == list(range(1, len(ms) + 1))
    assert ms[-1].due_at == START + timedelta(weeks=p.weeks)
    assert all(a.due_at <= b.due_at for a, b in zip(ms, ms[1:], strict=False))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogs(), requirements, budgets)
def test_same_requirements_and_catalog_give_the_same_proposal(catalog: Catalog, text: str,
                                                              budget: Decimal | None) -> None:
    req = DraftRequest(requirements=text, client_name="Ada", company="Acme")
    one, two = OfflineArchitect().compose(req, catalog), OfflineArchitect().compose(req, catalog)
    assert one == two
    kw: dict[str, Any] = dict(budget=budget, max_discount=Decimal("0.15"), capacity=Decimal("40"),
                              buffer=Decimal("0.2"), currency="USD")
    assert price_draft(one.deliverables, catalog, **kw) == price_draft(two.deliverables, catalog, **kw)


def test_shares_and_amounts_with_awkward_thirds() -> None:
    from engine.proposals.plans import Phase

    phases = [Phase("a", Decimal("1.00"), Decimal("1")), Phase("b", Decimal("1.00"), Decimal("1")),
              Phase("c", Decimal("1.00"), Decimal("1"))]
    ms = plan_milestones(phases, Decimal("100.00"), capacity=Decimal("40"), buffer=Decimal("0"), start=START)
    assert [m.share for m in ms] == [Decimal("0.333333"), Decimal("0.333333"), Decimal("0.333334")]
    assert [m.amount for m in ms] == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
