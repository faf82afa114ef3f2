"""Sentiment of a text (VADER): survey comments, e-mails from clients, logged calls and notes."""

from __future__ import annotations

from functools import lru_cache


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
