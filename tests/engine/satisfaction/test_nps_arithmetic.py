"""NPS arithmetic, categories, sentiment, business days: plain functions."""

from datetime import UTC, datetime

import pytest

from engine.satisfaction.followups import add_business_days
from engine.satisfaction.nps_arithmetic import categorize, net_promoter_score, sentiment_label, sentiment_of
from engine.satisfaction.texts import TEXTS, from_accept_language, pick_language


@pytest.mark.parametrize(("score", "category"), [
    (0, "detractor"), (6, "detractor"), (7, "passive"), (8, "passive"), (9, "promoter"), (10, "promoter"),
])
def test_category_boundaries(score, category):
    assert categorize(score) == category


@pytest.mark.parametrize("score", [-1, 11])
def test_out_of_range_score_is_refused(score):
    with pytest.raises(ValueError):
        categorize(score)


def test_nps_of_ten_made_up_answers_is_the_hand_computed_figure():
    scores = [10, 9, 9, 10, 8, 7, 6, 3, 0, 9]
    # by hand: promoters 10,9,9,10,9 = 5; passives 8,7 = 2; detractors 6,3,0 = 3
    # NPS = 100 * (5 - 3) / 10 = 20
    assert net_promoter_score(scores) == 20.0
    assert net_promoter_score([0, 1, 2]) == -100.0
    assert net_promoter_score([9, 7, 6]) == 0.0
    assert net_promoter_score([10, 10, 8]) == 66.7
    assert net_promoter_score([]) is None


def test_sentiment_reads_comments():
    assert sentiment_label(sentiment_of("Terrible communication, late and buggy. Very disappointed.")) == "negative"
    assert sentiment_label(sentiment_of("Great team, wonderful results, thank you!")) == "positive"
    assert sentiment_of("   ") is None and sentiment_label(None) is None


def test_business_days_skip_the_weekend():
    friday = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    assert add_business_days(friday, 1).date().isoformat() == "2026-11-30"  # Monday
    tuesday = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert add_business_days(tuesday, 1).date().isoformat() == "2026-11-25"


def test_every_language_has_every_text():
    keys = set(TEXTS["en"])
    assert len(TEXTS) >= 2
    for lang, table in TEXTS.items():
        assert set(table) == keys, lang


def test_language_choice():
    assert pick_language("es-MX") == "es"
    assert pick_language("de_DE") == "de"
    assert pick_language("fr", None) == "en"
    assert pick_language(None, 3) == "en"
    assert from_accept_language("fr-FR,de;q=0.8,en;q=0.5") == "de"


def test_a_token_older_than_its_signature_allows_is_expired(settings, monkeypatch):
    import time

    from engine.satisfaction.errors import SurveyLinkExpired, SurveyLinkInvalid
    from engine.satisfaction.tokens import read_token, sign_survey

    token = sign_survey(settings, 1, 2, "nonce")
    assert read_token(settings, token).project_id == 2
    days = settings.nps_link_days + settings.nps_update_days
    later = time.time() + days * 86_400 + 60
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    with pytest.raises(SurveyLinkExpired):
        read_token(settings, token)
    with pytest.raises(SurveyLinkInvalid):
        read_token(settings, "x" * 600)
