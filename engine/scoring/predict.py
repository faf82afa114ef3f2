"""The positive-class probability of a fitted estimator, without scikit-learn's per-call checks.

`predict_proba` of a calibrated logistic regression validates its input in each of its nested
estimators (calibration, pipeline, scaler, regression): about 0.5 ms a call, some twenty times
the arithmetic itself when one lead is scored. For that model our own scoring path computes the
probability in closed form from the fitted parameters (tests compare it with `predict_proba`). Any other estimator (forests, boosted
trees: their own work dwarfs the checks) is asked through `predict_proba`.

Input matrices come from `FeatureSpace`: float64, finite, the fitted width. Nothing is cached
between calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

Predictor = Callable[[np.ndarray], np.ndarray]


def positive_proba(estimator: Any) -> Predictor:
    """A function X -> P(class 1) for each row, equal to `estimator.predict_proba(X)[:, 1]`."""
    closed = _calibrated_logistic(estimator)
    if closed is not None:
        return closed
    return lambda X: np.asarray(estimator.predict_proba(X)[:, 1])


def _calibrated_logistic(est: Any) -> Predictor | None:
    """The closed form of a sigmoid-calibrated (ensemble=False) StandardScaler + binary
    LogisticRegression pipeline, or None for any other shape of model."""
    if type(est) is not CalibratedClassifierCV or len(getattr(est, "calibrated_classifiers_", ())) != 1:
        return None
    cc = est.calibrated_classifiers_[0]
    if cc.method != "sigmoid" or len(cc.calibrators) != 1 or list(est.classes_) != [0, 1]:
        return None
    pipe = cc.estimator
    if type(pipe) is not Pipeline or len(pipe.steps) != 2:
        return None
    scaler, lr = pipe.steps[0][1], pipe.steps[1][1]
    if type(scaler) is not StandardScaler or type(lr) is not LogisticRegression:
        return None
    if lr.coef_.shape[0] != 1 or list(lr.classes_) != [0, 1]:
        return None
    # Scaling folded into the weights: (X - mean) / scale @ coef + b = X @ (coef / scale) + (b - mean / scale @ coef).
    # One matrix-vector product instead of two passes over a scaled copy of X: the same value up to
    # rounding (about 1e-15; tests hold it to predict_proba within 1e-9).
    coef = lr.coef_[0].astype(np.float64)
    mean = scaler.mean_.astype(np.float64) if scaler.with_mean else np.zeros_like(coef)
    scale = scaler.scale_.astype(np.float64) if scaler.with_std else np.ones_like(coef)
    weights = coef / scale
    offset = float(lr.intercept_[0]) - float((mean / scale) @ coef)
    a, b = float(cc.calibrators[0].a_), float(cc.calibrators[0].b_)

    def proba(X: np.ndarray) -> np.ndarray:
        # LogisticRegression.decision_function, then _SigmoidCalibration.predict: expit(-(a*s + b))
        scores = X @ weights + offset
        return np.asarray(expit(-(a * scores + b)))

    return proba
