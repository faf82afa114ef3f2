"""NPS arithmetic and comment sentiment: plain functions, no database."""

from __future__ import annotations

from collections.abc import Iterable

from engine.sentiment import sentiment_label, sentiment_of

PROMOTER, PASSIVE, DETRACTOR = "promoter", "passive", "detractor"


def categorize(score: int) -> str:
    """promoter 9-10, passive 7-8, detractor 0-6."""
    if not 0 <= score <= 10:
        raise ValueError("an NPS score is 0 to 10")
    if score >= 9:
        return PROMOTER
    if score >= 7:
        return PASSIVE
    return DETRACTOR


def net_promoter_score(scores: Iterable[int]) -> float | None:
    """% promoters - % detractors, rounded to one decimal; None when there is no answer."""
    cats = [categorize(s) for s in scores]
    if not cats:
        return None
    promoters = cats.count(PROMOTER)
    detractors = cats.count(DETRACTOR)
    return round(100 * (promoters - detractors) / len(cats), 1)


__all__ = ["categorize", "net_promoter_score", "sentiment_label", "sentiment_of", "PROMOTER", "PASSIVE", "DETRACTOR"]
