"""Money as Decimal: parsing what people type, and rounding to cents."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")
_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
_AMOUNT = re.compile(
    r"""^\s*(?P<cur1>[A-Za-z]{3}|[$€£¥₹])?\s*
        (?P<num>\d{1,3}(?:[,\s]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*
        (?P<mult>k|m|thousand|million)?\s*
        (?P<cur2>[A-Za-z]{3})?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_MULT = {"k": 1000, "thousand": 1000, "m": 1_000_000, "million": 1_000_000}


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(value: Any) -> tuple[Decimal, str | None]:
    """Parse `12000`, `"12,000"`, `"$12k"`, `"USD 12000"`, `"12.5k EUR"` into (amount, currency).

    Raises ValueError with a sentence saying what was expected.
    """
    if isinstance(value, bool):
        raise ValueError("expected an amount such as 12000, \"12,000\" or \"$12k\"")
    if isinstance(value, int | Decimal):
        amount = Decimal(value)
        currency = None
    elif isinstance(value, float):
        amount = Decimal(repr(value))
        currency = None
    elif isinstance(value, str):
        m = _AMOUNT.match(value)
        if not m:
            raise ValueError(f"{value[:40]!r} is not an amount; write it like 12000, \"12,000\" or \"$12k\"")
        num = re.sub(r"[,\s]", "", m["num"])
        try:
            amount = Decimal(num)
        except InvalidOperation:
            raise ValueError(f"{value[:40]!r} is not an amount") from None
        if m["mult"]:
            amount *= _MULT[m["mult"].lower()]
        cur = m["cur1"] or m["cur2"]
        currency = _SYMBOLS.get(cur, cur.upper() if cur else None) if cur else None
    else:
        raise ValueError("expected an amount such as 12000, \"12,000\" or \"$12k\"")
    if not amount.is_finite():
        raise ValueError("the amount must be a finite number")
    if amount < 0:
        raise ValueError("the amount cannot be negative")
    if amount >= Decimal("1e12"):
        raise ValueError("the amount is too large")
    return cents(amount), currency


def money_str(value: Decimal | None) -> str | None:
    return None if value is None else str(cents(value))
