"""The cold-start rule: the seed's additive score, used until there is enough history.

score = 50 (base) + budget 0..20 + industry 0..15 + source 0..20 + requirements 0..10, capped at 100.
Each part is kept as a factor so the score explains itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from engine.scoring.features import MISSING, LeadRecord, extract, is_missing

BASE = 50.0
# (budget at least, points): the first matching row from the top wins.
BUDGET_TIERS: tuple[tuple[float, float], ...] = (
    (50_000, 20), (25_000, 17), (10_000, 14), (5_000, 10), (1_000, 6), (0.01, 2),
)
INDUSTRY_POINTS: dict[str, float] = {
    **dict.fromkeys(("fintech", "finance", "financial services", "banking", "insurance", "healthcare",
                     "health", "software", "saas", "technology", "tech", "it"), 15.0),
    **dict.fromkeys(("ecommerce", "e-commerce", "retail", "education", "edtech", "real estate", "logistics",
                     "manufacturing", "media", "legal", "consulting", "energy", "telecom"), 10.0),
}
INDUSTRY_OTHER = 5.0  # an industry we know nothing about still says the lead told us something
SOURCE_POINTS: dict[str, float] = {
    "referral": 20.0, "linkedin": 15.0, "website": 12.0, "slack": 12.0, "api": 10.0, "upwork": 8.0,
    "cold_email": 5.0, "import": 5.0,
}
SOURCE_OTHER = 5.0
REQUIREMENTS_WORDS_MAX = 6.0  # one point per 10 words, up to 6
REQUIREMENTS_SPECIFIC_MAX = 4.0  # one point per specific term (integration, api, a number...), up to 4


@dataclass(frozen=True)
class RulePart:
    name: str
    points: float
    text: str


def budget_points(budget: float | None) -> float:
    if not budget or budget <= 0:
        return 0.0
    for floor, points in BUDGET_TIERS:
        if budget >= floor:
            return points
    return 0.0


def industry_points(industry: str | None) -> float:
    if is_missing(industry):
        return 0.0
    return INDUSTRY_POINTS.get(str(industry).strip().lower(), INDUSTRY_OTHER)


def source_points(source: str | None) -> float:
    if is_missing(source):
        return 0.0
    return SOURCE_POINTS.get(str(source).strip().lower(), SOURCE_OTHER)


def requirements_points(words: float, specific: float) -> float:
    return min(words // 10, REQUIREMENTS_WORDS_MAX) + min(specific, REQUIREMENTS_SPECIFIC_MAX)


def _inputs(rec: LeadRecord) -> tuple[float | None, str | None, str | None, float, float]:
    """What the rule reads of a lead: budget, industry, source, requirements' words and specific terms."""
    f = extract(rec)
    return (rec.budget if rec.budget else None, str(f["industry"]) if f["industry"] != MISSING else None,
            str(f["source"]) if f["source"] != MISSING else None, float(f["requirements_words"] or 0),
            float(f["requirements_specificity"] or 0))


def _points(budget: float | None, industry: str | None, source: str | None, words: float,
            specific: float) -> tuple[float, float, float, float]:
    """Each part's points (budget, industry, source, requirements) from `_inputs`."""
    return (budget_points(budget), industry_points(industry), source_points(source),
            requirements_points(words, specific))


def _total(points: Iterable[float]) -> float:
    return min(BASE + sum(points), 100.0)


def rule_parts(rec: LeadRecord, currency: str) -> list[RulePart]:
    """The rule's parts, each with its text; `currency` is the agency's, the one `rec.budget` is in."""
    inputs = _inputs(rec)
    budget, industry, source, words, specific = inputs
    b, i, s, r = _points(*inputs)
    return [
        RulePart("budget", b, rec.budget_note or (f"budget {budget:,.0f} {currency}" if budget else "no budget given")),
        RulePart("industry", i, f"industry {industry}" if industry else "no industry given"),
        RulePart("source", s, f"source {source}" if source else "no source given"),
        RulePart("requirements", r,
                 f"requirements of {int(words)} words, {int(specific)} specific terms" if words
                 else "no requirements given"),
    ]


def rule_score(rec: LeadRecord, currency: str) -> tuple[float, list[RulePart]]:
    """The score (0..100) and the parts that made it (their texts name amounts in `currency`)."""
    parts = rule_parts(rec, currency)
    return _total(p.points for p in parts), parts


def rule_points(rec: LeadRecord) -> float:
    """The score (0..100) alone, as `rule_score` gives it, without the texts."""
    return _total(_points(*_inputs(rec)))


def rule_probabilities(records: Sequence[LeadRecord]) -> np.ndarray:
    """The rule's score of each record as a probability (score / 100)."""
    return np.array([rule_points(r) / 100.0 for r in records])
