"""Honest measurement: the learned model and the cold-start rule side by side, on data
neither was fitted to (5-fold cross-validation, or train on the earlier 80% and test on
the rest), and a warning for columns that give the outcome away.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from engine.errors import InvalidInput
from engine.scoring.dataset import Dataset
from engine.scoring.features import LeadRecord, Value, _cat, extract, to_number
from engine.scoring.model import CANDIDATES, calibrated, choose_estimator, folds, out_of_fold
from engine.scoring.rule import rule_score

LEAK_AUC = 0.90  # one column alone ranking leads this well is "almost perfect"
LEAK_PURE_SHARE = 0.05  # ...or one of its values covers 5% of the leads
LEAK_PURE_RATE = 0.97  # ...and settles the outcome for 97% of them
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


class Evaluation(BaseModel):
    rows: int
    positive_rate: float
    model: ModelFigures
    rule: Figures
    leaky_columns: list[str]


def figures(y: np.ndarray, p: np.ndarray) -> Figures:
    top = max(1, int(round(len(p) * 0.1)))
    order = np.argsort(-p, kind="stable")[:top]
    return Figures(roc_auc=round(float(roc_auc_score(y, p)), 4),
                   pr_auc=round(float(average_precision_score(y, p)), 4),
                   brier=round(float(brier_score_loss(y, p)), 4),
                   precision_top_decile=round(float(y[order].mean()), 4))


def rule_probabilities(records: Sequence[LeadRecord]) -> np.ndarray:
    return np.array([rule_score(r)[0] / 100.0 for r in records])


def _as_category(values: list[Value]) -> list[str]:
    nums = [to_number(v) for v in values]
    present = [x for x in nums if x is not None]
    if present and len(present) >= 0.95 * sum(v is not None for v in values) and len(set(present)) > 20:
        edges = np.unique(np.quantile(present, np.linspace(0.1, 0.9, 9)))
        return ["(missing)" if x is None else f"bin{int(np.searchsorted(edges, x))}" for x in nums]
    return [_cat(v) for v in values]


def single_column_auc(cats: list[str], y: np.ndarray) -> float:
    """ROC AUC of the column alone: each value's won-rate learned on the other folds."""
    p = np.full(len(y), float(y.mean()))
    for train, test in folds(y):
        rates: dict[str, list[int]] = defaultdict(list)
        for i in train:
            rates[cats[i]].append(int(y[i]))
        prior = float(y[train].mean())
        for i in test:
            r = rates.get(cats[i])
            p[i] = (sum(r) + prior) / (len(r) + 1) if r else prior  # one pseudo-count of the prior
    auc = float(roc_auc_score(y, p))
    return max(auc, 1 - auc)


def leaky_columns(ds: Dataset) -> list[str]:
    return list(leak_reasons(ds))


def leak_reasons(ds: Dataset) -> dict[str, str]:
    """Columns that alone predict the outcome almost perfectly, or that hold a common value which
    settles the outcome: the marks of a field filled in after the outcome was known. Name -> why."""
    y = np.array(ds.outcomes)
    n = len(y)
    out: dict[str, str] = {}
    for col, fieldname in ds.columns.items():
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
            rate = won[c] / k
            if k >= LEAK_PURE_SHARE * n and c != "(missing)" and max(rate, 1 - rate) >= LEAK_PURE_RATE:
                out[col] = (f"its value {c!r} ({k / n:.0%} of the leads) comes with "
                            f"{'won' if rate > 0.5 else 'lost'} in {max(rate, 1 - rate):.0%} of them")
                break
    return out


def evaluate_dataset(ds: Dataset, *, split: Literal["cv", "time"] = "cv",
                     candidates: Sequence[str] = tuple(CANDIDATES)) -> tuple[Evaluation, dict[str, object]]:
    """The evaluation, and details for people (candidate AUCs, dropped features, curves' data)."""
    from engine.scoring.features import FeatureSpace

    n = len(ds.records)
    if n < MIN_ROWS:
        raise InvalidInput(f"Evaluation needs at least {MIN_ROWS} rows with an outcome; the file has {n}.",
                           field="data")
    y = np.array(ds.outcomes)
    rows = [extract(r) for r in ds.records]
    rule_p = rule_probabilities(ds.records)
    space = FeatureSpace.fit(rows)
    X = space.transform(rows)
    if split == "time":
        order = np.arange(n)
        if any(d is not None for d in ds.created_at):
            far = max(d for d in ds.created_at if d is not None)
            order = np.array(sorted(range(n), key=lambda i: (ds.created_at[i] or far, i)))
        cut = int(n * 0.8)
        train, test = order[:cut], order[cut:]
        if len(set(y[test])) < 2 or min(np.bincount(y[train])) < 2:
            raise InvalidInput("The later 20% of the rows hold only one outcome; use --split cv.", field="split")
        name, aucs = choose_estimator(X[train], y[train], folds(y[train]), candidates)
        model_p = calibrated(name).fit(X[train], y[train]).predict_proba(X[test])[:, 1]
        y_eval, rule_eval = y[test], rule_p[test]
    else:
        splits = folds(y)
        name, aucs = choose_estimator(X, y, splits, candidates)
        model_p = out_of_fold(lambda: calibrated(name), X, y, splits)
        y_eval, rule_eval = y, rule_p
    ev = Evaluation(rows=n, positive_rate=round(float(y.mean()), 4),
                    model=ModelFigures(name=name, **figures(y_eval, model_p).model_dump()),
                    rule=figures(y_eval, rule_eval), leaky_columns=list(leaks := leak_reasons(ds)))
    details: dict[str, object] = {"candidates": aucs, "dropped": space.dropped, "y": y_eval, "model_p": model_p,
                                  "rule_p": rule_eval, "split": split, "leaks": leaks}
    return ev, details


def plot(path: str | Path, y: np.ndarray, model_p: np.ndarray, rule_p: np.ndarray, model_name: str) -> None:
    """ROC curves and calibration curves of the model and the rule, as one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import roc_curve

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
