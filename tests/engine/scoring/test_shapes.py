"""The shapes of real exports that broke scoring, reproduced without their data
(tests/helpers/scoring_shapes.py): rows in date order, an imbalanced outcome, drifting columns, a balanced honest
column in an almost-all-lost file. Small samples: these run in `make test`."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold
from typer.testing import CliRunner

from bot.cli.main import app
from engine.pipeline.csvfile import read_rows
from engine.scoring.dataset import load_dataset
from engine.scoring.evaluate import evaluate_dataset, leak_reasons
from engine.scoring.model import calibrated, check_calibration
from tests.helpers.scoring_shapes import bank_like, education_like

LR = ("logistic_regression",)


def dataset(text: str, outcome: str, **kw):  # type: ignore[no-untyped-def]
    header, rows = read_rows(text)
    return load_dataset(header, rows, outcome=outcome, **kw)


def test_date_sorted_imbalanced_file_scores_like_the_same_file_shuffled(tmp_path):
    """X-Education-shaped leads in date order, positives subsampled to 10%, a column drifting with
    the date: the evaluation through `grace model evaluate` ranks as well as on the shuffled rows,
    and warns of no leak."""
    sorted_csv = tmp_path / "sorted.csv"
    sorted_csv.write_text(education_like(2500, seed=1))
    shuffled = dataset(education_like(2500, seed=1, shuffled=True), "Converted")
    res = CliRunner().invoke(app, ["model", "evaluate", "--data", str(sorted_csv), "--outcome", "Converted", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout[res.stdout.index("{"):])
    assert 0.08 <= data["positive_rate"] <= 0.12
    assert data["leaky_columns"] == [] and "gives the outcome away" not in res.stderr
    assert data["calibration"]["promotable"] is True
    ev, _ = evaluate_dataset(shuffled, candidates=(data["model"]["name"],))
    assert ev.model.roc_auc > 0.65  # there is something to learn: backwards would be < 0.5
    assert abs(data["model"]["roc_auc"] - ev.model.roc_auc) <= 0.02
    assert data["calibration"]["calibrated_roc_auc"] >= data["calibration"]["uncalibrated_roc_auc"] - 0.02


def test_bank_shaped_file_in_date_order_is_not_ranked_backwards():
    """Rows in date order with the outcome far more frequent late: calibration on unshuffled folds
    learned time blocks; ours learns on shuffled ones and never falls below the uncalibrated model."""
    ds = dataset(bank_like(3000, seed=2), "y")
    ev, details = evaluate_dataset(ds, candidates=LR)
    assert ev.model.roc_auc > 0.7
    assert ev.calibration.promotable
    assert ev.calibration.calibrated_roc_auc >= ev.calibration.uncalibrated_roc_auc - ev.calibration.noise
    assert ev.leaky_columns == []


def test_calibration_folds_are_shuffled_and_stratified_with_the_outer_seed():
    cv = calibrated("logistic_regression").cv
    assert isinstance(cv, StratifiedKFold) and cv.shuffle and cv.random_state == 0 and cv.n_splits == 3


def test_the_guard_refuses_a_calibration_that_reorders_and_a_model_below_the_rule():
    rng = np.random.default_rng(0)
    y = (rng.random(2000) < 0.2).astype(int)
    raw = np.clip(y * 0.3 + rng.random(2000) * 0.7, 0, 1)
    assert check_calibration(y, raw, raw, None).promotable
    backwards = check_calibration(y, 1 - raw, raw, None)
    assert not backwards.promotable and "calibration reorders the leads" in backwards.reason
    slightly = check_calibration(y, raw + rng.normal(0, 1e-4, 2000), raw, None)
    assert slightly.promotable  # a difference within noise is not a reason
    rule = np.where(y == 1, 0.9, 0.1)  # a rule that ranks perfectly
    below = check_calibration(y, raw, raw, rule)
    assert not below.promotable and "worse than the cold-start rule" in below.reason


def _almost_all_lost(n: int = 5000, seed: int = 3) -> str:
    """The first months of a telemarketing file: 97% lost; a balanced honest column (`contact`,
    half and half, unrelated to the outcome), ordinary columns, and one filled in afterwards."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.03
    lines = ["age;contact;housing;job;call_result;y"]
    for i in range(n):
        result = ("subscribed" if y[i] else "declined") if rng.random() < 0.99 else "unknown"
        lines.append(f"{rng.integers(20, 70)};{rng.choice(['cellular', 'telephone'])};"
                     f"{rng.choice(['yes', 'no'], p=[0.55, 0.45])};{rng.choice(['admin', 'technician', 'services'])};"
                     f"{result};{'yes' if y[i] else 'no'}")
    return "\n".join(lines) + "\n"


def test_a_balanced_honest_column_of_an_imbalanced_file_gives_no_warning():
    ds = dataset(_almost_all_lost(), "y")
    reasons = leak_reasons(ds)
    # 97% lost everywhere is the file's base rate, not a sign of a leak...
    assert "contact" not in reasons and "housing" not in reasons and "job" not in reasons and "age" not in reasons
    # ...while the column written after the call still is one
    assert list(reasons) == ["call_result"]


def test_a_pure_value_far_from_the_base_rate_is_still_caught():
    """In a 38%-won file, a common value whose leads are all lost (a 'closed, not interested' tag)."""
    rng = np.random.default_rng(4)
    lines = ["visits,tag,won"]
    for _ in range(1500):
        won = rng.random() < 0.45
        tag = "not interested" if (not won and rng.random() < 0.25) else rng.choice(["a", "b", "c"])
        lines.append(f"{rng.integers(0, 9)},{tag},{int(won)}")
    ds = dataset("\n".join(lines) + "\n", "won")
    reasons = leak_reasons(ds)
    assert list(reasons) == ["tag"] and "'not interested'" in reasons["tag"] and "lost in 100%" in reasons["tag"]


@pytest.mark.parametrize("shuffle", [False, True])
def test_evaluate_prints_the_calibration_verdict(tmp_path, shuffle):
    """The text output carries the guard's verdict, sorted rows or not."""
    path = tmp_path / "leads.csv"
    path.write_text(education_like(800, seed=5, shuffled=shuffle))
    res = CliRunner().invoke(app, ["model", "evaluate", "--data", str(path), "--outcome", "Converted"])
    assert res.exit_code == 0, res.output
    assert "calibration: calibrated ROC AUC" in res.stdout
