"""Our probability path equals scikit-learn's `predict_proba` of the same fitted model."""

from __future__ import annotations

import numpy as np
import pytest

from engine.scoring.features import extract
from engine.scoring.model import CANDIDATES, dumps, fit_scorer, loads
from engine.scoring.predict import _calibrated_logistic, positive_proba
from tests.helpers.scoring import records


def _fitted(name: str):  # type: ignore[no-untyped-def]
    recs = records(400)
    rows = [extract(r) for r in recs]
    y = np.array([1 if (r.budget or 0) > 30000 or i % 5 == 0 else 0 for i, r in enumerate(recs)])
    scorer, _ = fit_scorer(rows, y, name=name)
    return scorer, rows


@pytest.mark.parametrize("name", list(CANDIDATES))
def test_proba_matrix_is_predict_proba(name: str) -> None:
    scorer, rows = _fitted(name)
    unseen = [extract(r) for r in records(300, seed=9)]
    X = scorer.space.transform(rows + unseen)
    extreme = X[:5].copy()
    extreme[:, 0] = [1e7, -1e7, 0.0, 1e-9, 3.5]  # far outside the training range: saturated probabilities
    for M in (X, X[:1], X[7:19], extreme):
        np.testing.assert_allclose(scorer.proba_matrix(M), scorer.estimator.predict_proba(M)[:, 1],
                                   rtol=0, atol=1e-9)


def test_a_calibrated_logistic_regression_is_scored_in_closed_form_also_once_stored() -> None:
    scorer, rows = _fitted("logistic_regression")
    stored = loads(dumps(scorer.estimator))
    assert _calibrated_logistic(scorer.estimator) is not None
    assert _calibrated_logistic(stored) is not None
    X = scorer.space.transform(rows)
    np.testing.assert_allclose(positive_proba(stored)(X), stored.predict_proba(X)[:, 1], rtol=0, atol=1e-9)
    before = X.copy()
    positive_proba(stored)(X)
    assert np.array_equal(X, before)  # the input is not scaled in place


@pytest.mark.parametrize("name", ["random_forest", "gradient_boosting"])
def test_other_estimators_go_through_predict_proba(name: str) -> None:
    scorer, _ = _fitted(name)
    assert _calibrated_logistic(scorer.estimator) is None
