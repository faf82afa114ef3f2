"""`grace invoice collect / mark-paid / show` against a real database."""

import json

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from tests.conftest import in_thread
from tests.helpers.billing import THIRDS, make_project


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_collect_then_mark_paid_from_the_cli(services, settings, monkeypatch):
    project = await make_project(services, shares=THIRDS)
    monkeypatch.setenv("GRACE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("GRACE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("GRACE_SECRET_KEY", "test-secret-key")
    runner = CliRunner()

    def invoke(*args: str):
        return in_thread(runner.invoke, app, list(args))

    collected = invoke("invoice", "collect", str(project.id), "--milestone", "3", "--json")
    assert collected.exit_code == 0, collected.output
    data = json.loads(collected.stdout)
    assert data["amount"] == "3333.34" and data["status"] == "issued"

    empty = invoke("invoice", "mark-paid", str(data["invoice_id"]), "--reference", "  ")
    assert empty.exit_code == 1
    paid = invoke("invoice", "mark-paid", str(data["invoice_id"]), "--reference", "BANK-77", "--json")
    assert paid.exit_code == 0, paid.output
    assert json.loads(paid.stdout)["status"] == "paid"
    shown = invoke("invoice", "show", str(data["invoice_id"]), "--json")
    assert json.loads(shown.stdout)["transaction_id"] == "BANK-77"
    missing = invoke("invoice", "show", "99999")
    assert missing.exit_code == 1
