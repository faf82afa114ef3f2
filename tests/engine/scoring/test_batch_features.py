"""Batch scoring (straight from the records) gives exactly what one lead at a time gives."""

from __future__ import annotations

import numpy as np

from engine.scoring.batch import transform_records
from engine.scoring.explain import model_factors
from engine.scoring.features import FeatureSpace, extract
from engine.scoring.model import fit_scorer
from tests.helpers.scoring import records


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
    single = [model_factors(scorer, extract(r), "USD")[0] for r in recs[:40]]
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
        score, factors = model_factors(scorer, features, "USD")
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
