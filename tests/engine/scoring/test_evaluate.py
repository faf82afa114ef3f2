import csv
import io
import json
import random

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from engine.pipeline.csvfile import read_rows
from engine.scoring.dataset import load_dataset
from engine.scoring.evaluate import leaky_columns

KEYS = {"rows", "positive_rate", "model", "rule", "leaky_columns", "calibration"}
FIGURES = {"roc_auc", "pr_auc", "brier", "precision_top_decile"}


def synthetic_csv(n=240, delimiter=",", bom=False, seed=7) -> bytes:
    """Leads whose outcome follows budget, source and visits, plus a column filled in afterwards."""
    rng = random.Random(seed)
    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter)
    w.writerow(["Name", "Email", "Budget", "Lead Source", "Industry", "Visits", "Region", "Sales Status", "Won"])
    for i in range(n):
        budget = rng.randint(1, 60) * 1000
        source = rng.choice(["referral", "website", "cold_email"])
        visits = rng.randint(0, 20)
        logit = (budget - 30000) / 15000 + (1.0 if source == "referral" else -0.5) + (visits - 10) / 6
        won = rng.random() < 1 / (1 + 2.718 ** -logit)
        status = ("Closed, contract signed" if won else "Dead, no answer") if rng.random() < 0.97 else "Pending"
        w.writerow([f"Lead {i}", f"l{i}@acme{i % 5}.com", f"${budget:,}", source, rng.choice(["software", "retail"]),
                    visits, rng.choice(["North", "South", "East"]), status, "Yes" if won else "No"])
    text = out.getvalue()
    return (("\ufeff" if bom else "") + text).encode("utf-8")


@pytest.mark.parametrize(("delimiter", "bom"), [(",", False), (";", True)])
def test_evaluate_prints_the_documented_json(tmp_path, delimiter, bom):
    path = tmp_path / "past.csv"
    path.write_bytes(synthetic_csv(delimiter=delimiter, bom=bom))
    plot = tmp_path / "curves.png"
    res = CliRunner().invoke(app, ["model", "evaluate", "--data", str(path), "--outcome", "Won", "--positive", "yes",
                                   "--json", "--plot", str(plot)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout[res.stdout.index("{"):])
    assert set(data) == KEYS
    assert set(data["model"]) == FIGURES | {"name"} and set(data["rule"]) == FIGURES
    assert data["rows"] == 240 and 0 < data["positive_rate"] < 1
    assert data["model"]["name"] in ("logistic_regression", "random_forest", "gradient_boosting")
    assert data["leaky_columns"] == ["Sales Status"]
    assert "column 'Sales Status' gives the outcome away" in res.stderr
    assert list(data["model"]) == ["name", "roc_auc", "pr_auc", "brier", "precision_top_decile"]
    assert data["model"]["roc_auc"] > 0.9  # the leak makes it look too good: hence the warning
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_the_leak_the_figures_are_honest(tmp_path):
    path = tmp_path / "past.csv"
    path.write_bytes(synthetic_csv())
    res = CliRunner().invoke(app, ["model", "evaluate", "--data", str(path), "--outcome", "Won", "--exclude",
                                   "Sales Status", "--split", "time", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout[res.stdout.index("{"):])
    assert data["leaky_columns"] == []
    assert 0.6 < data["model"]["roc_auc"] < 0.99
    assert data["rule"]["roc_auc"] > 0.5  # budget and source carry signal the rule also sees


def test_unknown_outcome_column_is_a_clear_error(tmp_path):
    path = tmp_path / "past.csv"
    path.write_bytes(synthetic_csv(n=30))
    res = CliRunner().invoke(app, ["model", "evaluate", "--data", str(path), "--outcome", "Result"])
    assert res.exit_code == 1 and "--outcome 'Result' is not a column" in res.output


def test_leak_detection_names_only_the_leaking_column():
    header, rows = read_rows(synthetic_csv(n=400, seed=3).decode("utf-8"))
    ds = load_dataset(header, rows, outcome="Won")
    assert leaky_columns(ds) == ["Sales Status"]
