"""The learned scorer: a small set of scikit-learn candidates, chosen by cross-validated
ROC AUC, calibrated (sigmoid) so that score = probability x 100, and stored with skops.

Loading refuses any type outside an allow-list, so a model file cannot run code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from engine.errors import GraceError
from engine.scoring.features import FeatureSpace, LeadRecord, Value
from engine.scoring.predict import Predictor, positive_proba

if TYPE_CHECKING:
    from engine.scoring.batch import LeadColumns

SEED = 0
CANDIDATES: dict[str, Callable[[], ClassifierMixin]] = {
    "logistic_regression": lambda: Pipeline(
        [("scale", StandardScaler()), ("clf", LogisticRegression(C=0.5, max_iter=3000))]),
    "random_forest": lambda: RandomForestClassifier(
        n_estimators=200, min_samples_leaf=3, max_features="sqrt", n_jobs=2, random_state=SEED),
    "gradient_boosting": lambda: HistGradientBoostingClassifier(
        max_iter=150, learning_rate=0.08, max_leaf_nodes=15, l2_regularization=1.0, random_state=SEED),
}
# The only types a stored model may contain besides skops' default-trusted ones (numpy, builtins,
# scikit-learn estimators): what our three candidates, calibrated, are made of.
ALLOWED_TYPES = frozenset({
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
})


class UnsafeModelFile(GraceError):
    status = 422
    code = "unsafe_model_file"


def calibrated(name: str) -> CalibratedClassifierCV:
    # ensemble=False: calibration learned on out-of-fold predictions, one final estimator
    # fitted on everything, so predicting costs one model, not three.
    return CalibratedClassifierCV(CANDIDATES[name](), method="sigmoid", cv=3, ensemble=False)


def folds(y: np.ndarray, k: int = 5) -> list[tuple[np.ndarray, np.ndarray]]:
    k = max(2, min(k, int(np.bincount(y.astype(int)).min())))
    return list(StratifiedKFold(k, shuffle=True, random_state=SEED).split(np.zeros(len(y)), y))


def out_of_fold(make: Callable[[], Any], X: np.ndarray, y: np.ndarray,
                splits: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Probabilities for each row from a model that did not see it."""
    p = np.full(len(y), np.nan)
    for train, test in splits:
        m = make().fit(X[train], y[train])
        p[test] = m.predict_proba(X[test])[:, 1]
    return p


def choose_estimator(X: np.ndarray, y: np.ndarray, splits: Sequence[tuple[np.ndarray, np.ndarray]],
                     candidates: Sequence[str] = tuple(CANDIDATES)) -> tuple[str, dict[str, float]]:
    """The candidate with the best cross-validated ROC AUC (uncalibrated: calibration is
    monotone, so it does not change the ranking), and every candidate's figure."""
    aucs = {name: float(roc_auc_score(y, out_of_fold(CANDIDATES[name], X, y, splits))) for name in candidates}
    return max(aucs, key=lambda n: (aucs[n], -list(CANDIDATES).index(n))), aucs


@dataclass
class FittedScorer:
    """A feature space and a calibrated estimator: feature dicts in, probabilities out."""

    space: FeatureSpace
    estimator: Any
    name: str
    model_id: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def _predict(self) -> Predictor:
        return positive_proba(self.estimator)

    def proba_matrix(self, X: np.ndarray) -> np.ndarray:
        """P(won) for each row of a feature matrix: `estimator.predict_proba(X)[:, 1]`, in closed
        form for a calibrated logistic regression (see predict.py)."""
        return self._predict(X)

    def proba(self, rows: Sequence[dict[str, Value]]) -> np.ndarray:
        return self.proba_matrix(self.space.transform(rows))

    def proba_records(self, records: Sequence[LeadRecord]) -> np.ndarray:
        """The probabilities of many leads at once (the same as `proba` of their extracted features)."""
        return self.proba_matrix(self.space.transform_records(records))

    def proba_columns(self, columns: LeadColumns) -> np.ndarray:
        """The probabilities of leads loaded as columns (`batch.load_lead_columns`): the batch path
        of a nightly rescoring, the same numbers as `proba_records` of the same leads."""
        from engine.scoring.batch import transform_columns

        return self.proba_matrix(transform_columns(self.space, columns))


def fit_scorer(rows: Sequence[dict[str, Value]], y: np.ndarray, *, name: str | None = None,
               exclude: Sequence[str] = ()) -> tuple[FittedScorer, dict[str, float]]:
    """Fit the feature space and, unless `name` is given, choose the estimator by 5-fold CV; the
    second value is each compared estimator's cross-validated ROC AUC."""
    space = FeatureSpace.fit(rows, exclude=exclude)
    X = space.transform(rows)
    # A forced estimator still gets its cross-validated figure, so every version records one.
    name, cv = choose_estimator(X, y, folds(y), [name] if name else tuple(CANDIDATES))
    est = calibrated(name).fit(X, y)
    for c in est.calibrated_classifiers_:
        # Trees are grown on two threads, but predicting one lead on a thread pool costs more than
        # the trees themselves (about 24 ms against 7 for 200 trees): predict single-threaded.
        if "n_jobs" in c.estimator.get_params():
            c.estimator.set_params(n_jobs=None)
    return FittedScorer(space=space, estimator=est, name=name), cv


def dumps(estimator: Any) -> bytes:
    import skops.io as sio  # deferred for start-up time: only when a model is stored

    return bytes(sio.dumps(estimator))


def loads(blob: bytes) -> Any:
    """Load an estimator stored by `dumps`, refusing anything outside the allow-list."""
    import skops.io as sio  # deferred for start-up time: only when a model is loaded

    try:
        untrusted = set(sio.get_untrusted_types(data=blob))
    except Exception as e:  # not a skops file at all (a pickle, garbage): refuse, never unpickle
        raise UnsafeModelFile(f"The model file is not a skops file ({type(e).__name__}); refusing to load it.") \
            from None
    refused = sorted(untrusted - ALLOWED_TYPES)
    if refused:
        raise UnsafeModelFile(f"The model file contains types that are not allowed: {', '.join(refused)}.",
                              types=refused)
    return sio.loads(blob, trusted=sorted(untrusted))
