"""Invoice amounts: a milestone's part of the price, exact to the cent."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from engine.money import cents
from storage.models import Milestone

# Shares are stored with 6 decimals: 0.333333 x 3 means "all of it".
_WHOLE_TOLERANCE = Decimal("0.001")


def milestone_amounts(price: Decimal, milestones: Sequence[Milestone]) -> dict[int, Decimal]:
    """Amount per milestone seq: share x price in cents, the last one taking the rounding remainder.

    When the shares add up to the whole price (within the 6-decimal rounding of shares),
    the amounts add up to exactly the price: 10,000.00 in thirds is 3,333.33 + 3,333.33 + 3,333.34.
    """
    ordered = sorted(milestones, key=lambda m: m.seq)
    if not ordered:
        return {}
    total_share = sum((Decimal(m.share) for m in ordered), Decimal(0))
    total = price if abs(total_share - 1) <= _WHOLE_TOLERANCE else cents(price * total_share)
    out: dict[int, Decimal] = {}
    for m in ordered[:-1]:
        out[m.seq] = cents(price * Decimal(m.share))
    out[ordered[-1].seq] = total - sum(out.values(), Decimal(0))
    return out
