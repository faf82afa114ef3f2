"""NPS arithmetic and comment sentiment: plain functions, no database."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

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


@lru_cache(maxsize=1)
def _analyzer():  # type: ignore[no-untyped-def]
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # deferred: loads its lexicon

    return SentimentIntensityAnalyzer()


def sentiment_of(text: str | None) -> float | None:
    """VADER's compound score (-1 very negative .. 1 very positive); None for no text.

    VADER is built for English; other languages get a rougher reading (emoji, punctuation,
    the English words they share)."""
    if not text or not text.strip():
        return None
    return round(float(_analyzer().polarity_scores(text)["compound"]), 4)


def sentiment_label(compound: float | None) -> str | None:
    """VADER's usual thresholds: >= 0.05 positive, <= -0.05 negative."""
    if compound is None:
        return None
    if compound >= 0.05:
        return "positive"
    if compound <= -0.05:
        return "negative"
    return "neutral"
