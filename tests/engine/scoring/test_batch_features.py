"""Batch scoring (straight from the records) gives exactly what one lead at a time gives."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np

from engine.scoring.batch import transform_records
from engine.scoring.explain import model_factors
from engine.scoring.features import FeatureSpace, LeadRecord, extract
from engine.scoring.model import fit_scorer


def records(n: int, seed: int = 3) -> list[LeadRecord]:
    """Leads with the awkward values real data holds: blanks, form placeholders, padded text,
    numbers as strings, booleans beside 1 and 0, nested custom values, missing dates."""
    rng = random.Random(seed)
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    out = []
    for i in range(n):
        first = rng.choice([None, now - timedelta(days=rng.randint(0, 300), seconds=rng.randint(0, 86399))])
        out.append(LeadRecord(
            company=rng.choice([None, "Co", " ", "n/a", "Select"]),
            email=rng.choice([None, f"a@co{i % 9}.com", "x@Gmail.com", "no-at-sign", " "]),
            budget=rng.choice([None, 0.0, float(rng.randint(1, 80) * 1000)]),
            industry=rng.choice(["software", "Retail ", None, "select", "HEALTH"]),
            source=rng.choice(["referral", "website", "n/a"]),
            country=rng.choice(["France", "USA", None, " usa"]),
            requirements=rng.choice([None, "", "  ", f"API integration for {i} users with stripe " * rng.randint(1, 3)]),
            timeline=rng.choice([None, "2 months", "asap", "later", "n/a", "in 3 weeks"]),
            project_type=rng.choice([None, "web", "app"]),
            interactions=rng.choice([None, 0, 3]),
            first_contact_at=first, as_of=now if rng.random() < 0.9 else None,
            custom={"Employees": rng.choice([str(rng.randint(1, 500)), 5, 7.5, None, "1,200", "n/a"]),
                    "Channel": rng.choice("abcde"), "Nested": {"a": 1}, "Tags": ["x"],
                    "Flag": rng.choice([True, False, 1, 0, "yes"]), **({"Rare": "r"} if i % 7 == 0 else {}),
                    "Signed Up": rng.choice([None, "n/a", "not a date", f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                                             f"{rng.randint(1, 28)}/{rng.randint(1, 12)}/2024", "2026-03-01T10:30:00+02:00",
                                             "2025-11-30"]),
                    "Page": f"page-{rng.randint(0, 80)}"},
        ))
    return out


def test_transform_records_is_transform_of_extract() -> None:
    recs = records(600)
    space = FeatureSpace.fit([extract(r) for r in recs])
    assert {"custom.Employees", "custom.Flag", "days_since_first_contact", "corporate_domain"} <= set(space.features)
    other = records(300, seed=4)  # unseen rows: other categories, other numbers
    for batch in (recs, other, other[:1]):
        assert np.array_equal(transform_records(space, batch), space.transform([extract(r) for r in batch]))
    for r in recs[:100] + other[:100]:  # one lead at a time, as explanations build it
        assert np.array_equal(space.transform_one(extract(r)), space.transform([extract(r)]))
    assert np.array_equal(space.transform_one(space.typical), space.typical_row[None, :])


def test_batch_and_single_scores_are_identical() -> None:
    recs = records(400)
    rows = [extract(r) for r in recs]
    y = np.array([1 if (r.budget or 0) > 30000 or i % 5 == 0 else 0 for i, r in enumerate(recs)])
    scorer, _ = fit_scorer(rows, y, name="logistic_regression")
    batch = scorer.proba_records(recs) * 100.0
    single = [model_factors(scorer, extract(r))[0] for r in recs[:40]]
    # same matrix rows; only the BLAS kernel may differ with the matrix's size
    np.testing.assert_allclose(batch[:40], single, rtol=0, atol=1e-9)
    np.testing.assert_allclose(batch, scorer.proba(rows) * 100.0, rtol=0, atol=1e-9)


def test_factors_are_the_score_moves_of_each_feature_set_back_to_typical() -> None:
    recs = records(400)
    rows = [extract(r) for r in recs]
    y = np.array([1 if (r.budget or 0) > 30000 or i % 5 == 0 else 0 for i, r in enumerate(recs)])
    scorer, _ = fit_scorer(rows, y, name="logistic_regression")
    ref = scorer.space.reference()
    for features in rows[:25]:
        score, factors = model_factors(scorer, features)
        for f in factors:
            moved = scorer.proba([{**features, f.feature: ref[f.feature]}])[0] * 100.0
            assert abs((score - moved) - f.points) <= 0.05 + 1e-9


def test_dates_and_many_valued_categories_take_the_same_batch_path() -> None:
    recs = records(600)
    rows = [extract(r) for r in recs]
    y = np.array([1 if (r.budget or 0) > 30000 or i % 5 == 0 else 0 for i, r in enumerate(recs)])
    space = FeatureSpace.fit(rows, y)
    assert [d["name"] for d in space.dates] == ["custom.Signed Up"]
    page = next(f for f in space.categorical if f["name"] == "custom.Page")
    assert "rates" in page and len(page["rates"]) > 30  # more values than one-hot keeps: won-rates too
    cols = space.columns
    assert "custom.Signed Up:month=3" in cols and "custom.Signed Up:weekday=6" in cols and "custom.Page:won-rate" in cols
    other = records(300, seed=4)
    for batch in (recs, other, other[:1]):
        assert np.array_equal(transform_records(space, batch), space.transform([extract(r) for r in batch]))
    for r in recs[:60] + other[:60]:
        assert np.array_equal(space.transform_one(extract(r)), space.transform([extract(r)]))
    # the date's parts: 2026-03-01T10:30+02:00 is a Sunday in March, 0 days before the latest date
    X = space.transform([{"custom.Signed Up": "2026-03-01T10:30:00+02:00"}])[0]
    at = {c: i for i, c in enumerate(cols)}
    assert X[at["custom.Signed Up:month=3"]] == 1 and X[at["custom.Signed Up:weekday=6"]] == 1
    assert X[at["custom.Signed Up:age"]] == 0
    # training rows never see their own outcome in the won-rate column
    train = space.training_matrix(rows, y)
    full = space.transform(rows)
    rate = at["custom.Page:won-rate"]
    assert not np.array_equal(train[:, rate], full[:, rate])
    assert np.array_equal(np.delete(train, rate, axis=1), np.delete(full, rate, axis=1))
    back = FeatureSpace.from_json(space.to_json())
    assert np.array_equal(back.transform(rows[:50]), space.transform(rows[:50]))
