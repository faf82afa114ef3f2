"""Scoring for an agency whose currency (GRACE_CURRENCY) is EUR: explanations name amounts in it. The
`settings` below override conftest's, so `services` and `api` are the app `grace serve` builds for it."""

import pytest

from engine.config import Settings
from engine.scoring.registry import train_model
from tests.conftest import ADMIN, op
from tests.helpers.scoring import budget_factor, seed_history


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
