"""The learned scorer: a small set of scikit-learn candidates, chosen by cross-validated
ROC AUC, calibrated (sigmoid) so that score = probability x 100, and stored with skops.

Calibration learns its sigmoid on shuffled, stratified internal folds (the outer folds' seed):
on rows in date order, unshuffled folds are time blocks, and a sigmoid learned across them can
get a negative slope and rank leads backwards. `check_calibration` is the guard behind it: a
calibrated model whose cross-validated ROC AUC is below its uncalibrated one by more than noise,
or below the cold-start rule's, is not promoted.

Loading refuses any type outside an allow-list, so a model file cannot run code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from engine.errors import GraceError
from engine.scoring.batch import LeadColumns, transform_columns, transform_records
from engine.scoring.features import FeatureSpace, LeadRecord, Value
from engine.scoring.predict import Predictor, positive_proba

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
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
})


class UnsafeModelFile(GraceError):
    status = 422
    code = "unsafe_model_file"


CALIBRATION_FOLDS = 3
# Cross-validation fits its folds on this many threads, each fit on one core: on a small shared
# machine, one thread per fit beats nested thread pools that spin against each other.
FIT_THREADS = 2
# A random forest's trees each see at most this many rows (bootstrap), so a 40,000-row file costs
# about what a 10,000-row one does; below it nothing changes.
FOREST_MAX_SAMPLES = 10_000
MIN_NOISE = 0.005  # the smallest ROC AUC difference the guard counts as more than noise


def calibrated(name: str) -> CalibratedClassifierCV:
    # ensemble=False: calibration learned on out-of-fold predictions, one final estimator
    # fitted on everything, so predicting costs one model, not three. The internal folds are
    # shuffled (see the module's docstring).
    return CalibratedClassifierCV(CANDIDATES[name](), method="sigmoid", ensemble=False,
                                  cv=StratifiedKFold(CALIBRATION_FOLDS, shuffle=True, random_state=SEED))


def folds(y: np.ndarray, k: int = 5) -> list[tuple[np.ndarray, np.ndarray]]:
    k = max(2, min(k, int(np.bincount(y.astype(int)).min())))
    return list(StratifiedKFold(k, shuffle=True, random_state=SEED).split(np.zeros(len(y)), y))


def auc_noise(auc: float, positives: int, negatives: int) -> float:
    """The standard error of a ROC AUC (Hanley and McNeil, 1982), at least MIN_NOISE."""
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)) \
        / max(positives * negatives, 1)
    return max(float(np.sqrt(max(var, 0.0))), MIN_NOISE)


@dataclass
class CalibrationCheck:
    """The guard's verdict on a calibrated model, from cross-validated (or held-out) ROC AUCs."""

    calibrated_roc_auc: float
    uncalibrated_roc_auc: float
    rule_roc_auc: float | None
    noise: float
    promotable: bool
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"calibrated_roc_auc": round(self.calibrated_roc_auc, 4),
                "uncalibrated_roc_auc": round(self.uncalibrated_roc_auc, 4),
                "rule_roc_auc": None if self.rule_roc_auc is None else round(self.rule_roc_auc, 4),
                "noise": round(self.noise, 4), "promotable": self.promotable, "reason": self.reason}


def check_calibration(y: np.ndarray, calibrated_p: np.ndarray, uncalibrated_p: np.ndarray,
                      rule_p: np.ndarray | None) -> CalibrationCheck:
    """Whether a calibrated model may be promoted: its ROC AUC must not fall below the uncalibrated
    model's by more than noise (calibration must not reorder leads), nor below the cold-start rule's."""
    cal = float(roc_auc_score(y, calibrated_p))
    raw = float(roc_auc_score(y, uncalibrated_p))
    rule = float(roc_auc_score(y, rule_p)) if rule_p is not None and len(set(rule_p.tolist())) > 1 else None
    pos = int(np.sum(y))
    noise = auc_noise(cal, pos, len(y) - pos)
    if cal < raw - noise:
        reason = (f"calibration reorders the leads: ROC AUC {cal:.3f} calibrated against {raw:.3f} uncalibrated "
                  f"(noise {noise:.3f}); not promoted")
    elif rule is not None and cal < rule - noise:
        reason = (f"the model ranks worse than the cold-start rule: ROC AUC {cal:.3f} against {rule:.3f} "
                  f"(noise {noise:.3f}); not promoted")
    else:
        return CalibrationCheck(cal, raw, rule, noise, True,
                                f"calibrated ROC AUC {cal:.3f}, uncalibrated {raw:.3f}"
                                + (f", cold-start rule {rule:.3f}" if rule is not None else ""))
    return CalibrationCheck(cal, raw, rule, noise, False, reason)


Progress = Callable[[str], None]


def no_progress(step: str) -> None:
    """A `Progress` that says nothing."""
    return None


@dataclass
class Design:
    """A training matrix and what cross-validation needs to refit its won-rate columns per fold."""

    X: np.ndarray
    codes: list[tuple[int, np.ndarray]] = field(default_factory=list)

    @classmethod
    def of(cls, space: FeatureSpace, rows: Sequence[dict[str, Value]]) -> Design:
        return cls(space.transform(rows), space.rate_codes(rows))

    def split(self, y: np.ndarray, train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return FeatureSpace.refit_rates(self.X, self.codes, y, train, test)

    def training(self, y: np.ndarray) -> np.ndarray:
        """The whole matrix with out-of-fold won-rates (what the final model is fitted on)."""
        everyone = np.arange(len(y))
        return self.split(y, everyone, everyone[:0])[0]


def sized(estimator: Any, n: int, *, threads: int | None = None) -> Any:
    """The estimator adjusted to n training rows (a forest's bootstrap capped at
    FOREST_MAX_SAMPLES rows) and, when given, to a number of threads."""
    inner = estimator.estimator if isinstance(estimator, CalibratedClassifierCV) else estimator
    if isinstance(inner, RandomForestClassifier):
        if n > FOREST_MAX_SAMPLES:
            inner.set_params(max_samples=FOREST_MAX_SAMPLES)
        if threads is not None:
            inner.set_params(n_jobs=threads)
    return estimator


def fit(estimator: Any, X: np.ndarray, y: np.ndarray, *, threads: int | None = None) -> Any:
    """`estimator.fit(X, y)`, sized for the rows (`sized`), with boosted trees on one OpenMP thread:
    their threads wait for each other at every split, and on a shared machine whose cores are busy
    a fit then takes minutes instead of a second. (The limit is this thread's own.)"""
    with threadpool_limits(limits=1, user_api="openmp"):
        return sized(estimator, len(y), threads=threads).fit(X, y)


def _fit_fold(make: Callable[[], Any], Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray) -> np.ndarray:
    m = fit(make(), Xtr, ytr, threads=1)
    with threadpool_limits(limits=1, user_api="openmp"):
        return np.asarray(m.predict_proba(Xte)[:, 1])


def out_of_fold(make: Callable[[], Any], data: np.ndarray | Design, y: np.ndarray,
                splits: Sequence[tuple[np.ndarray, np.ndarray]], progress: Progress | None = None,
                what: str = "") -> np.ndarray:
    """Probabilities for each row from a model that did not see it (folds fitted FIT_THREADS at once)."""
    design = data if isinstance(data, Design) else Design(data)
    p = np.full(len(y), np.nan)
    with ThreadPoolExecutor(FIT_THREADS) as pool:
        jobs = {}
        for train, test in splits:
            Xtr, Xte = design.split(y, train, test)
            jobs[pool.submit(_fit_fold, make, Xtr, y[train], Xte)] = test
        for k, done in enumerate(as_completed(jobs), start=1):
            p[jobs[done]] = done.result()
            if progress is not None:
                progress(f"{what}: {k} of {len(splits)} folds")
    return p


def choose_estimator(X: np.ndarray | Design, y: np.ndarray, splits: Sequence[tuple[np.ndarray, np.ndarray]],
                     candidates: Sequence[str] = tuple(CANDIDATES),
                     progress: Progress = no_progress) -> tuple[str, dict[str, float], np.ndarray]:
    """The candidate with the best cross-validated ROC AUC (uncalibrated: calibration should be
    monotone, which `check_calibration` verifies), every candidate's figure, and the chosen one's
    out-of-fold probabilities."""
    aucs: dict[str, float] = {}
    oof: dict[str, np.ndarray] = {}
    for name in candidates:
        oof[name] = out_of_fold(CANDIDATES[name], X, y, splits, progress, f"cross-validating {name}")
        aucs[name] = float(roc_auc_score(y, oof[name]))
    best = max(aucs, key=lambda n: (aucs[n], -list(CANDIDATES).index(n)))
    return best, aucs, oof[best]


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
        return self.proba_matrix(transform_records(self.space, records))

    def proba_columns(self, columns: LeadColumns) -> np.ndarray:
        """The probabilities of leads loaded as columns (`batch.load_lead_columns`): the batch path
        of a nightly rescoring, the same numbers as `proba_records` of the same leads."""
        return self.proba_matrix(transform_columns(self.space, columns))


def fit_scorer(rows: Sequence[dict[str, Value]], y: np.ndarray, *, name: str | None = None,
               exclude: Sequence[str] = (), rule_p: np.ndarray | None = None, check: bool = False,
               progress: Progress | None = None) -> tuple[FittedScorer, dict[str, float]]:
    """Fit the feature space and, unless `name` is given, choose the estimator by 5-fold CV; the
    second value is each compared estimator's cross-validated ROC AUC. With `check`, the calibrated
    model is cross-validated too and the guard's verdict (`check_calibration`, against `rule_p`,
    the cold-start rule's probabilities of the same rows) is in the scorer's meta["calibration"]."""
    progress = progress or no_progress
    progress("building the features")
    space = FeatureSpace.fit(rows, y, exclude=exclude)
    design = Design.of(space, rows)
    X = design.training(y)
    splits = folds(y)
    # A forced estimator still gets its cross-validated figure, so every version records one.
    name, cv, raw_p = choose_estimator(design, y, splits, [name] if name else tuple(CANDIDATES), progress)
    meta: dict[str, Any] = {}
    if check:
        cal_p = out_of_fold(lambda: calibrated(name), design, y, splits, progress,
                            f"cross-validating calibrated {name}")
        meta["calibration"] = check_calibration(y, cal_p, raw_p, rule_p)
    progress(f"fitting calibrated {name} on every row")
    est = fit(calibrated(name), X, y)
    for c in est.calibrated_classifiers_:
        # Trees are grown on two threads, but predicting one lead on a thread pool costs more than
        # the trees themselves (about 24 ms against 7 for 200 trees): predict single-threaded.
        if "n_jobs" in c.estimator.get_params():
            c.estimator.set_params(n_jobs=None)
    return FittedScorer(space=space, estimator=est, name=name, meta=meta), cv


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
