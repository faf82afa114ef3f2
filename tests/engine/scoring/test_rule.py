import pytest

from engine.scoring.features import LeadRecord
from engine.scoring.rule import budget_points, rule_points, rule_score
from tests.helpers.scoring import records


def test_rule_adds_its_parts_to_the_base():
    rec = LeadRecord(budget=12_000, industry="Retail", source="linkedin",
                     requirements=" ".join(["word"] * 23) + " api integration 3")
    score, parts = rule_score(rec, "USD")
    points = {p.name: p.points for p in parts}
    # budget 10k..25k: 14; retail: 10; linkedin: 15; 26 words -> 2, three specific terms -> 3
    assert points == {"budget": 14, "industry": 10, "source": 15, "requirements": 5}
    assert score == 50 + 14 + 10 + 15 + 5 == 94


def test_rule_caps_at_100_and_says_why():
    rec = LeadRecord(budget=80_000, industry="fintech", source="referral",
                     requirements=" ".join(["x"] * 100) + " api crm erp sso dashboard")
    score, parts = rule_score(rec, "USD")
    assert sum(p.points for p in parts) == 20 + 15 + 20 + 10
    assert score == 100
    assert parts[0].text == "budget 80,000 USD"


def test_the_score_without_texts_is_the_score_with_them():
    """Training and evaluation score thousands of records with `rule_points`; a lead's explanation with
    `rule_score`: they must agree."""
    for rec in records(300):
        assert rule_points(rec) == rule_score(rec, "EUR")[0]


def test_an_empty_lead_scores_the_base():
    score, parts = rule_score(LeadRecord(), "USD")
    assert score == 50 and all(p.points == 0 for p in parts)


def test_unknown_industry_and_source_get_the_small_default():
    score, _ = rule_score(LeadRecord(industry="farming", source="carrier pigeon"), "USD")
    assert score == 50 + 5 + 5


@pytest.mark.parametrize(("budget", "points"), [(None, 0), (0, 0), (500, 2), (1_000, 6), (4_999, 6), (5_000, 10),
                                                (10_000, 14), (25_000, 17), (50_000, 20), (1e9, 20)])
def test_budget_tiers(budget, points):
    assert budget_points(budget) == points
