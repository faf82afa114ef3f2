"""Honest measurement: the learned model and the cold-start rule side by side, on data
neither was fitted to (5-fold cross-validation, or train on the earlier 80% and test on
the rest), the calibration guard's verdict, and a warning for columns that give the outcome
away, judged against the file's own base rate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score, roc_curve

from engine.errors import InvalidInput
from engine.scoring.dataset import Dataset
from engine.scoring.features import FeatureSpace, Value, category, extract, to_number
from engine.scoring.model import (
    CANDIDATES,
    Design,
    Progress,
    calibrated,
    check_calibration,
    choose_estimator,
    fit,
    folds,
    no_progress,
    out_of_fold,
)
from engine.scoring.rule import rule_probabilities

LEAK_AUC = 0.90  # one column alone ranking leads this well is "almost perfect"
LEAK_PURE_SHARE = 0.05  # ...or one of its values covers 5% of the leads
LEAK_PURE_RATE = 0.97  # ...and settles the outcome for 97% of them
LEAK_FAR = 0.1  # ...where the other outcome is at most a tenth as frequent as in the whole file
LEAK_EVIDENCE = 10.0  # ...and the base rate would have given at least this many of the other outcome
MIN_ROWS = 20


class Figures(BaseModel):
    roc_auc: float
    pr_auc: float
    brier: float
    precision_top_decile: float


class ModelFigures(BaseModel):
    name: str
    roc_auc: float
    pr_auc: float
    brier: float
    precision_top_decile: float


class Calibration(BaseModel):
    """The guard's verdict: a model whose calibrated ROC AUC falls below its uncalibrated one by more
    than noise, or below the cold-start rule's, would not be promoted."""

    calibrated_roc_auc: float
    uncalibrated_roc_auc: float
    rule_roc_auc: float | None
    noise: float
    promotable: bool
    reason: str


class Evaluation(BaseModel):
    rows: int
    positive_rate: float
    model: ModelFigures
    rule: Figures
    leaky_columns: list[str]
    calibration: Calibration


def figures(y: np.ndarray, p: np.ndarray) -> Figures:
    top = max(1, int(round(len(p) * 0.1)))
    order = np.argsort(-p, kind="stable")[:top]
    return Figures(roc_auc=round(float(roc_auc_score(y, p)), 4),
                   pr_auc=round(float(average_precision_score(y, p)), 4),
                   brier=round(float(brier_score_loss(y, p)), 4),
                   precision_top_decile=round(float(y[order].mean()), 4))


def _as_category(values: list[Value]) -> list[str]:
    nums = [to_number(v) for v in values]
    present = [x for x in nums if x is not None]
    if present and len(present) >= 0.95 * sum(v is not None for v in values) and len(set(present)) > 20:
        edges = np.unique(np.quantile(present, np.linspace(0.1, 0.9, 9)))
        return ["(missing)" if x is None else f"bin{int(np.searchsorted(edges, x))}" for x in nums]
    return [category(v) for v in values]


def single_column_auc(cats: list[str], y: np.ndarray) -> float:
    """ROC AUC of the column alone: each value's won-rate learned on the other folds (one
    pseudo-count of the prior)."""
    position: dict[str, int] = {}
    codes = np.fromiter((position.setdefault(c, len(position)) for c in cats), dtype=np.intp, count=len(cats))
    yf = y.astype(np.float64)
    p = np.full(len(y), float(y.mean()))
    for train, test in folds(y):
        count = np.bincount(codes[train], minlength=len(position))
        won = np.bincount(codes[train], weights=yf[train], minlength=len(position))
        prior = float(yf[train].mean())
        p[test] = np.where(count > 0, (won + prior) / (count + 1), prior)[codes[test]]
    auc = float(roc_auc_score(y, p))
    return max(auc, 1 - auc)


def leaky_columns(ds: Dataset) -> list[str]:
    return list(leak_reasons(ds))


def leak_reasons(ds: Dataset, progress: Progress = no_progress) -> dict[str, str]:
    """Columns that alone predict the outcome almost perfectly, or that hold a common value which
    settles the outcome where the file as a whole does not: the marks of a field filled in after
    the outcome was known. Name -> why.

    Purity is judged against the file's base rate: in a file where 97% of the leads are lost, a
    value whose leads are 97% lost is ordinary; it is suspicious only when the other outcome is
    far rarer among its leads than in the file (a tenth as frequent or less) and the base rate
    would have given enough of it (at least LEAK_EVIDENCE leads) for its absence to mean something."""
    y = np.array(ds.outcomes)
    n = len(y)
    base = float(y.mean())
    out: dict[str, str] = {}
    for col, fieldname in ds.columns.items():
        progress(f"checking column {col!r} for leaks")
        raw: list[Value] = [
            (r.custom.get(col) if fieldname is None else
             (r.budget if fieldname == "budget" else getattr(r, fieldname, None)))
            for r in ds.records
        ]
        cats = _as_category(raw)
        counts = Counter(cats)
        if len(counts) < 2 or len(counts) > max(0.5 * n, 20):
            continue  # constant, or an identifier
        won: Counter[str] = Counter(c for c, t in zip(cats, y, strict=True) if t)
        auc = single_column_auc(cats, y)
        if auc >= LEAK_AUC:
            out[col] = f"alone it ranks won above lost leads with ROC AUC {auc:.2f}"
            continue
        for c, k in counts.most_common():
            if k < LEAK_PURE_SHARE * n:
                break
            if c == "(missing)":
                continue
            rate = won[c] / k
            settles_won = rate >= 0.5
            purity = rate if settles_won else 1 - rate
            other_base = 1 - base if settles_won else base  # how often the absent outcome is in the file
            if purity >= LEAK_PURE_RATE and (1 - purity) <= LEAK_FAR * other_base \
                    and k * other_base >= LEAK_EVIDENCE:
                out[col] = (f"its value {c!r} ({k / n:.0%} of the leads) comes with "
                            f"{'won' if settles_won else 'lost'} in {purity:.0%} of them, against "
                            f"{1 - other_base:.0%} in the whole file")
                break
    return out


def evaluate_dataset(ds: Dataset, *, split: Literal["cv", "time"] = "cv",
                     candidates: Sequence[str] = tuple(CANDIDATES),
                     progress: Progress = no_progress) -> tuple[Evaluation, dict[str, object]]:
    """The evaluation, and details for people (candidate AUCs, dropped features, curves' data).
    `progress` hears each step (for a progress display on long runs)."""
    n = len(ds.records)
    if n < MIN_ROWS:
        raise InvalidInput(f"Evaluation needs at least {MIN_ROWS} rows with an outcome; the file has {n}.",
                           field="data")
    y = np.array(ds.outcomes)
    progress("building the features")
    rows = [extract(r) for r in ds.records]
    rule_p = rule_probabilities(ds.records)
    if split == "time":
        order = np.arange(n)
        if any(d is not None for d in ds.created_at):
            far = max(d for d in ds.created_at if d is not None)
            order = np.array(sorted(range(n), key=lambda i: (ds.created_at[i] or far, i)))
        cut = int(n * 0.8)
        train, test = order[:cut], order[cut:]
        if len(set(y[test])) < 2 or min(np.bincount(y[train])) < 2:
            raise InvalidInput("The later 20% of the rows hold only one outcome; use --split cv.", field="split")
        train_rows = [rows[i] for i in train]
        space = FeatureSpace.fit(train_rows, y[train])
        design = Design.of(space, train_rows)
        name, aucs, _ = choose_estimator(design, y[train], folds(y[train]), candidates, progress)
        progress(f"fitting calibrated {name} on the earlier 80%")
        est = fit(calibrated(name), design.training(y[train]), y[train])
        X_test = space.transform([rows[i] for i in test])
        model_p = est.predict_proba(X_test)[:, 1]
        raw_p = est.calibrated_classifiers_[0].estimator.predict_proba(X_test)[:, 1]
        y_eval, rule_eval = y[test], rule_p[test]
    else:
        space = FeatureSpace.fit(rows, y)
        design = Design.of(space, rows)
        splits = folds(y)
        name, aucs, raw_p = choose_estimator(design, y, splits, candidates, progress)
        model_p = out_of_fold(lambda: calibrated(name), design, y, splits, progress,
                              f"cross-validating calibrated {name}")
        y_eval, rule_eval = y, rule_p
    check = check_calibration(y_eval, model_p, raw_p, rule_eval)
    leaks = leak_reasons(ds, progress)
    ev = Evaluation(rows=n, positive_rate=round(float(y.mean()), 4),
                    model=ModelFigures(name=name, **figures(y_eval, model_p).model_dump()),
                    rule=figures(y_eval, rule_eval), leaky_columns=list(leaks),
                    calibration=Calibration(**check.as_dict()))
    details: dict[str, object] = {"candidates": aucs, "dropped": space.dropped, "y": y_eval, "model_p": model_p,
                                  "rule_p": rule_eval, "split": split, "leaks": leaks}
    return ev, details


def plot(path: str | Path, y: np.ndarray, model_p: np.ndarray, rule_p: np.ndarray, model_name: str) -> None:
    """ROC curves and calibration curves of the model and the rule, as one PNG."""
    import matplotlib  # deferred: a heavy optional dependency, needed only for --plot

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # deferred with matplotlib above

    fig, (roc, cal) = plt.subplots(1, 2, figsize=(11, 5))
    for label, p in ((f"model ({model_name})", model_p), ("cold-start rule", rule_p)):
        fpr, tpr, _ = roc_curve(y, p)
        roc.plot(fpr, tpr, label=f"{label}, AUC {roc_auc_score(y, p):.3f}")
        frac, mean = calibration_curve(y, p, n_bins=10, strategy="quantile")
        cal.plot(mean, frac, marker="o", label=label)
    roc.plot([0, 1], [0, 1], ls=":", c="grey")
    cal.plot([0, 1], [0, 1], ls=":", c="grey", label="perfect calibration")
    roc.set(title="ROC", xlabel="false positive rate", ylabel="true positive rate")
    cal.set(title="Calibration", xlabel="predicted probability", ylabel="observed won rate")
    roc.legend(loc="lower right")
    cal.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
