"""Hours, timeline and price: plain code, whatever Architect wrote the draft.

- each line: amount = hours x rate, in cents;
- subtotal = sum of the included lines; price = subtotal - discount;
- over a budget: optional deliverables are removed (last first) until it fits, then a
  discount is given up to the cap (`GRACE_MAX_DISCOUNT`) and never below cost; when even
  that cannot fit, the proposal offers its lowest responsible price and says so;
- weeks = ceil(hours / weekly capacity x (1 + buffer)), computed exactly (fractions).
"""

from __future__ import annotations

import math
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction

from pydantic import BaseModel

from engine.money import CENT, cents
from engine.proposals.architect import DraftDeliverable
from engine.proposals.catalog import Catalog


class PricedLine(BaseModel):
    name: str
    description: str = ""
    role: str
    hours: Decimal
    rate: Decimal
    cost_rate: Decimal
    amount: Decimal
    optional: bool
    phase: str
    service: str | None = None


class Pricing(BaseModel):
    lines: list[PricedLine]
    removed: list[PricedLine]
    total_hours: Decimal
    subtotal: Decimal
    discount: Decimal
    price: Decimal
    cost: Decimal
    budget: Decimal | None
    fits_budget: bool
    budget_note: str
    weeks: int


def weeks_for(hours: Decimal, capacity: Decimal, buffer: Decimal) -> int:
    """⌈hours ÷ capacity × (1 + buffer)⌉, exact."""
    return math.ceil(Fraction(hours) / Fraction(capacity) * (1 + Fraction(buffer)))


def price_line(d: DraftDeliverable, catalog: Catalog) -> PricedLine:
    r = catalog.rate_for(d.role, d.service)
    return PricedLine(name=d.name, description=d.description, role=d.role, hours=d.hours, rate=r.rate,
                      cost_rate=r.cost, amount=cents(d.hours * r.rate), optional=d.optional,
                      phase=d.phase, service=d.service)


def _money(v: Decimal, currency: str) -> str:
    return f"{currency} {v:,.2f}"


def price_draft(deliverables: list[DraftDeliverable], catalog: Catalog, *, budget: Decimal | None,
                max_discount: Decimal, capacity: Decimal, buffer: Decimal, currency: str) -> Pricing:
    lines = [price_line(d, catalog) for d in deliverables]
    full = sum((line.amount for line in lines), Decimal("0"))
    removed: list[PricedLine] = []
    notes: list[str] = []
    if budget is not None and full > budget:
        # Trim optional deliverables, the last (least central) first, until it fits.
        for line in reversed([x for x in lines if x.optional]):
            if sum((x.amount for x in lines), Decimal("0")) <= budget or len(lines) == 1:
                break  # fits, or only one deliverable left: a proposal is never empty
            lines.remove(line)
            removed.append(line)
    subtotal = sum((x.amount for x in lines), Decimal("0"))
    cost = sum((cents(x.hours * x.cost_rate) for x in lines), Decimal("0"))
    cap_amount = (subtotal * max_discount).quantize(CENT, rounding=ROUND_DOWN)
    allowed = max(Decimal("0"), min(cap_amount, subtotal - cost))
    discount = Decimal("0.00")
    if budget is None:
        fits = True
        notes.append("No budget was given: priced at standard rates.")
    elif full <= budget:
        fits = True
        notes.append(f"Fits the budget of {_money(budget, currency)} at standard rates.")
    else:
        notes.append(f"At standard rates the work comes to {_money(full, currency)}, "
                     f"over the budget of {_money(budget, currency)}.")
        if removed:
            notes.append("Removed optional deliverables to fit: " + ", ".join(x.name for x in removed) + ".")
        over = subtotal - budget
        if over <= 0:
            fits = True
        elif over <= allowed:
            fits = True
            discount = over
            pct = (discount / subtotal * 100).quantize(Decimal("0.1"))
            notes.append(f"Applied a discount of {_money(discount, currency)} ({pct}% of the subtotal; "
                         f"the most we give is {max_discount * 100:.0f}%) to fit.")
        else:
            fits = False
            discount = allowed
            limit = ("the discount cap of " + f"{max_discount * 100:.0f}%") if allowed == cap_amount \
                else "our cost of delivery"
            notes.append(f"It does not fit: the lowest price we can offer is {_money(subtotal - discount, currency)}"
                         f" ({'optional deliverables removed and ' if removed else ''}"
                         f"a discount of {_money(discount, currency)}, "
                         f"limited by {limit}). Reducing the scope further would fit the budget.")
    total_hours = sum((x.hours for x in lines), Decimal("0"))
    return Pricing(lines=lines, removed=removed, total_hours=total_hours, subtotal=subtotal, discount=discount,
                   price=subtotal - discount, cost=cost, budget=budget, fits_budget=fits,
                   budget_note=" ".join(notes), weeks=weeks_for(total_hours, capacity, buffer))
