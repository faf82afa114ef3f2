"""Money as Decimal: parsing what people type, and rounding to cents."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")
_SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "R$": "BRL",
            "₩": "KRW", "₽": "RUB", "₺": "TRY", "₪": "ILS"}
_CUR = r"R\$|US\$|[A-Za-z]{3}|[$€£¥₹₩₽₺₪]"
# An amount is short: anything longer is refused before a pattern sees it. Whitespace runs are
# collapsed to one space first, so the pattern has no two unbounded repeats side by side.
MAX_AMOUNT_CHARS = 64
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_AMOUNT = re.compile(
    rf"(?:(?P<cur1>{_CUR}) ?)?"
    r"(?P<num>\d(?:[\d.,'’ ]{0,62}\d)?)"
    r" ?(?P<mult>k|m|thousand|million)?"
    rf" ?(?P<cur2>{_CUR})?",
    re.IGNORECASE,
)
_MULT = {"k": 1000, "thousand": 1000, "m": 1_000_000, "million": 1_000_000}
_EXPECTED = "write it like 12000, \"12,000\", \"€8.500\" or \"$12k\""


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _number(raw: str, *, multiplied: bool) -> str:
    """The digits of an amount as a plain decimal string, whatever the local separators.

    - Thousands may be grouped by `,` `.` `'` `’` or spaces ("12,000", "8.500", "20'000",
      "18 000"), or the Indian way ("9,50,000").
    - With two kinds of separator, the last one is the decimal mark ("1.234,50", "5,500.50").
    - A single `.` or `,` is a decimal mark ("5500.50", "12,5"), except when exactly three
      digits follow it after a group of 1-3 digits not starting with 0 and no k/m follows:
      then it groups thousands. So "8.500", "$1.500" and "1,500" are all one thousand
      five hundred (nobody writes a price with three decimals), "0.500" is a half, "12.500k"
      is 12,500.
    """
    s = _SPACES.sub(" ", raw).replace("’", "'")
    parts = re.split(r"([^\d])", s)  # digits, sep, digits, sep, ..., digits
    runs, seps = parts[0::2], parts[1::2]
    if not seps:
        return s
    if any(not r for r in runs):
        raise ValueError("two separators in a row")
    last = seps[-1]
    decimal = False
    if last in ".,":
        others = set(seps[:-1])
        if others and last not in others:
            decimal = True
        elif not others:
            head, tail = runs[0], runs[1]
            grouping = len(tail) == 3 and len(head) <= 3 and head[0] != "0" and not multiplied
            decimal = not grouping
    if decimal:
        fraction, runs, seps = runs[-1], runs[:-1], seps[:-1]
    else:
        fraction = ""
    if seps:
        if len(set(seps)) != 1:
            raise ValueError("mixed thousands separators")
        western = 1 <= len(runs[0]) <= 3 and all(len(r) == 3 for r in runs[1:])
        indian = seps[0] == "," and len(runs) >= 3 and 1 <= len(runs[0]) <= 2 and \
            all(len(r) == 2 for r in runs[1:-1]) and len(runs[-1]) == 3
        if not (western or indian):
            raise ValueError("digits grouped unevenly")
    return "".join(runs) + (f".{fraction}" if fraction else "")


def parse_amount(value: Any) -> tuple[Decimal, str | None]:
    """Parse `12000`, `"12,000"`, `"$12k"`, `"USD 12000"`, `"12.5k EUR"`, `"€8.500"`,
    `"8.500,50 €"`, `"CHF 20'000"`, `"R$ 60.000"`, `"₹ 9,50,000"` into (amount, currency).

    See `_number` for how separators are read (and why "$1.500" is 1500).
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
        text = value.strip()
        if len(text) > MAX_AMOUNT_CHARS:
            raise ValueError(f"an amount is at most {MAX_AMOUNT_CHARS} characters; {_EXPECTED}")
        m = _AMOUNT.fullmatch(_SPACES.sub(" ", text))
        if not m:
            raise ValueError(f"{value[:40]!r} is not an amount; {_EXPECTED}")
        try:
            amount = Decimal(_number(m["num"], multiplied=bool(m["mult"])))
        except (ValueError, InvalidOperation) as e:
            raise ValueError(f"{value[:40]!r} is not an amount ({e}); {_EXPECTED}") from None
        if m["mult"]:
            amount *= _MULT[m["mult"].lower()]
        cur = m["cur1"] or m["cur2"]
        currency = (_SYMBOLS.get(cur.upper()) or cur.upper()) if cur else None
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


def currency_code(value: str, field_name: str = "currency") -> str:
    """An ISO-4217-shaped code (three letters), upper-cased; ValueError naming the field otherwise."""
    code = (value or "").strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise ValueError(f"{field_name} must be a three-letter currency code such as EUR, not {value[:10]!r}")
    return code
