"""Why a lead scored as it did, in plain words ("budget 12,000 USD: +14").

For the rule, its parts. For a model, each feature's contribution is how far the score
moves when that feature alone is set back to a typical lead's value (the median, or the
most common category): all variants are scored in one `predict_proba` call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel

from engine.scoring.features import MISSING, Value, label, to_number
from engine.scoring.rule import RulePart

if TYPE_CHECKING:  # scikit-learn loads only with a model
    from engine.scoring.model import FittedScorer

TOP = 3


class Factor(BaseModel):
    feature: str
    points: float
    text: str


def describe(name: str, value: Value, currency: str) -> str:
    """A feature's value in words; `currency` is the agency's, the one the budget feature is in."""
    if value is None or value == MISSING:
        return f"no {label(name)}"
    if name == "budget_amount":
        x = to_number(value)
        return f"budget {x:,.0f} {currency}" if x is not None else "no budget"
    if name in ("has_company", "has_budget", "has_timeline"):
        return f"{'has' if value else 'no'} {label(name)[4:]}"
    if name == "corporate_domain":
        return "company e-mail domain" if value else "free-mail address"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{label(name)} {value}"


def _fmt(points: float) -> str:
    return f"{points:+.0f}" if abs(points) >= 0.5 else f"{points:+.1f}"


def rule_factors(parts: list[RulePart]) -> list[Factor]:
    return [Factor(feature=p.name, points=p.points, text=f"{p.text}: {_fmt(p.points)}")
            for p in sorted(parts, key=lambda p: -p.points)]


# The features a lead's budget sets: a budget given in another currency is explained by its note.
BUDGET_FEATURES = ("budget_amount", "has_budget")
NOTED_BUDGET = "(budget with its note)"  # the unit of those features when a note explains them


def model_factors(scorer: FittedScorer, features: dict[str, Value], currency: str,
                  budget_note: str | None = None) -> tuple[float, list[Factor]]:
    """The score (probability x 100) and the top positive and negative contributions, amounts named in
    `currency` (the agency's). `budget_note` (`scoring_budget`'s) explains a budget given in another
    currency: converted, or not counted for want of a rate (not "no budget": the client gave one)."""
    space = scorer.space
    ref = space.typical
    # Each unit is what one factor explains: a feature, or with a note, the budget's features together
    # (one line for the budget the client gave, not one per feature it sets), named by its first feature.
    units: dict[str, list[str]] = {}
    for n in space.features:
        if _differs(features.get(n), ref[n]):
            units.setdefault(NOTED_BUDGET if budget_note and n in BUDGET_FEATURES else n, []).append(n)
    # Each feature owns its own columns, so "this lead with unit u set back to typical" is the lead's
    # row with u's columns taken from the typical lead's row: no need to transform each variant.
    row = space.transform_one(features)
    variants = np.repeat(row, len(units) + 1, axis=0)
    typical_row, blocks = space.typical_row, space.blocks
    for i, unit in enumerate(units.values(), start=1):
        for n in unit:
            variants[i, blocks[n]] = typical_row[blocks[n]]
    p = scorer.proba_matrix(variants) * 100.0
    score = float(p[0])
    contrib = [(key, score - float(q)) for key, q in zip(units, p[1:], strict=True)]
    pos = sorted((c for c in contrib if c[1] >= 0.5), key=lambda c: -c[1])[:TOP]
    neg = sorted((c for c in contrib if c[1] <= -0.5), key=lambda c: c[1])[:TOP]

    def says(key: str) -> str:
        return budget_note if budget_note and key == NOTED_BUDGET else describe(key, features.get(key), currency)

    return score, [Factor(feature=units[key][0], points=round(v, 1), text=f"{says(key)}: {_fmt(v)}")
                   for key, v in pos + neg]


def _differs(value: Value, reference: Value) -> bool:
    a, b = to_number(value), to_number(reference)
    if a is not None or b is not None:
        return a != b
    return str(value if value is not None else MISSING).lower() != str(reference).lower()
