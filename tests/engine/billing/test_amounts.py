from decimal import Decimal

from engine.billing.amounts import milestone_amounts
from engine.billing.providers.stripe import minor_units
from storage.models import Milestone


def plan(*shares: str) -> list[Milestone]:
    return [Milestone(seq=i, name=f"m{i}", share=Decimal(s), amount=Decimal(0)) for i, s in enumerate(shares, 1)]


def test_thirds_add_up_to_the_price():
    amounts = milestone_amounts(Decimal("10000.00"), plan("0.333333", "0.333333", "0.333334"))
    assert amounts == {1: Decimal("3333.33"), 2: Decimal("3333.33"), 3: Decimal("3333.34")}
    assert sum(amounts.values()) == Decimal("10000.00")


def test_rounded_shares_still_cover_the_whole_price():
    amounts = milestone_amounts(Decimal("10000.00"), plan("0.333333", "0.333333", "0.333333"))
    assert sum(amounts.values()) == Decimal("10000.00")


def test_a_partial_plan_does_not_give_the_last_milestone_the_rest():
    amounts = milestone_amounts(Decimal("999.99"), plan("0.25", "0.25"))
    assert amounts == {1: Decimal("250.00"), 2: Decimal("250.00")}
    assert sum(amounts.values()) == Decimal("500.00")


def test_minor_units_are_exact_integers():
    assert minor_units(Decimal("3333.34"), "USD") == 333334
    assert minor_units(Decimal("0.10"), "eur") == 10
    assert minor_units(Decimal("1500"), "JPY") == 1500
    assert isinstance(minor_units(Decimal("3333.33"), "USD"), int)
