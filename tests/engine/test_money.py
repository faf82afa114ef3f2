from decimal import Decimal

import pytest

from engine.money import parse_amount


@pytest.mark.parametrize(
    "text,amount,currency",
    [
        (12000, "12000.00", None),
        ("12,000", "12000.00", None),
        ("$12k", "12000.00", "USD"),
        ("USD 12000", "12000.00", "USD"),
        ("12.5k EUR", "12500.00", "EUR"),
        ("€5,500.50", "5500.50", "EUR"),
        ("1 200 000", "1200000.00", None),
        ("2m", "2000000.00", None),
        (Decimal("99.999"), "100.00", None),
    ],
)
def test_amounts_people_write(text, amount, currency):
    value, cur = parse_amount(text)
    assert value == Decimal(amount)
    assert cur == currency


@pytest.mark.parametrize("bad", ["lots", "", "12k$k", "-5", True, None, "1e400", [1]])
def test_bad_amounts_say_what_is_expected(bad):
    with pytest.raises(ValueError):
        parse_amount(bad)
