"""Scoring for an agency whose currency (GRACE_CURRENCY) is EUR: explanations name amounts in it. The
`settings` below override conftest's, so `services` and `api` are the app `grace serve` builds for it."""

import pytest

from engine.config import Settings
from engine.scoring.registry import train_model
from tests.conftest import ADMIN, op
from tests.helpers.scoring import budget_factor, qualified_factors, seed_history


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"currency": "EUR"})


async def test_the_rule_names_a_budget_in_the_agencys_currency_not_in_dollars(api):
    assert (await budget_factor(api, source="referral", budget="30000"))["text"] == "budget 30,000 EUR: +17"
    assert (await budget_factor(api, source="referral", budget="€12.000"))["text"] == "budget 12,000 EUR: +14"


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_the_models_explanation_names_a_budget_in_the_agencys_currency(api, services):
    await seed_history(services, won=40, lost=40, currency="EUR")
    assert (await op(services, ADMIN, train_model, estimator="logistic_regression")).promoted
    factor = await budget_factor(api, source="referral", budget="€90.000")
    assert factor["feature"] == "budget_amount" and factor["text"].startswith("budget 90,000 EUR: +"), factor


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_the_models_explanation_of_a_budget_in_another_currency_says_what_it_was(api, services):
    """A trained model reads a budget no rate converts as no budget (its tier is unknown); the explanation
    says the client gave one, in INR, and that the rate is missing (not "no budget"); once the rate is
    set, it gives the conversion. One line for the budget, not one per feature it sets."""
    await seed_history(services, won=40, lost=40, currency="EUR", lost_without_budget=0.5)
    assert (await op(services, ADMIN, train_model, estimator="logistic_regression")).promoted

    async def budget_lines() -> list[dict]:
        factors = await qualified_factors(api, source="website", budget="₹ 95,00,000")
        return [f for f in factors if f["feature"] in ("budget_amount", "has_budget")]

    unknown = await budget_lines()
    assert len(unknown) == 1 and unknown[0]["points"] < 0, unknown  # counted as none: the model's features
    assert unknown[0]["text"].startswith("budget 9,500,000 INR (no INR to EUR rate set: tier unknown): -"), unknown
    assert (await api.post("/api/fx/rates", json={"currency": "INR", "rate": "0.011"})).status_code == 201
    known = await budget_lines()
    assert len(known) == 1 and known[0]["text"].startswith("budget 9,500,000 INR = 104,500 EUR: +"), known
