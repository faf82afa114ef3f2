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
        ("12.5k", "12500.00", None),
        ("5500.50", "5500.50", None),
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


@pytest.mark.parametrize(
    "text,amount,currency",
    [
        ("€8.500", "8500.00", "EUR"),  # was 8.50: a dot before exactly three digits groups thousands
        ("8.500,50", "8500.50", None),
        ("8.500,5 €", "8500.50", "EUR"),
        ("1.234.567", "1234567.00", None),
        ("18 000 €", "18000.00", "EUR"),
        ("18\u202f000\u00a0€", "18000.00", "EUR"),  # narrow and plain no-break spaces, as French software writes
        ("CHF 20'000", "20000.00", "CHF"),
        ("CHF 20’000.50", "20000.50", "CHF"),
        ("R$ 60.000", "60000.00", "BRL"),
        ("R$ 60.000,00", "60000.00", "BRL"),
        ("₹ 9,50,000", "950000.00", "INR"),
        ("₹1,00,00,000", "10000000.00", "INR"),
        ("12,50 €", "12.50", "EUR"),  # a comma before one or two digits is a decimal mark
        ("1 234,5", "1234.50", None),
        ("25000 GBP", "25000.00", "GBP"),
        ("£25k", "25000.00", "GBP"),
    ],
)
def test_international_amounts(text, amount, currency):
    value, cur = parse_amount(text)
    assert value == Decimal(amount)
    assert cur == currency


@pytest.mark.parametrize(
    "text,amount",
    [
        # Ambiguous on its face; nobody writes a price with three decimals, so a single separator
        # followed by exactly three digits groups thousands, whatever the currency...
        ("1.500", "1500.00"),
        ("$1.500", "1500.00"),
        ("1,500", "1500.00"),
        # ...unless it cannot be a thousands group (a leading 0, four digits before it) or k/m follows.
        ("0.500", "0.50"),
        ("1234.567", "1234.57"),
        ("12.500k", "12500.00"),
        ("1.5", "1.50"),
        ("1,5", "1.50"),
    ],
)
def test_ambiguous_separators_are_read_as_documented(text, amount):
    assert parse_amount(text)[0] == Decimal(amount)


@pytest.mark.parametrize("bad", ["lots", "", "12k$k", "-5", True, None, "1e400", [1], "1.2.3", "12,34,5",
                                 "1,234.567.8", "1..5", "1 2", "1.234,567,8", "1,23,45,678.9.0"])
def test_bad_amounts_say_what_is_expected(bad):
    with pytest.raises(ValueError):
        parse_amount(bad)
