"""`grace fx set EUR 1.08` and /api/fx/rates, against a real database."""

from __future__ import annotations

import json

import httpx
import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from engine.context import Services
from engine.pipeline.capture import capture_lead
from engine.pipeline.schemas import LeadInput
from tests.conftest import SALES, in_thread, lead_data, make_key, op


async def test_rates_through_the_api(services: Services, api: httpx.AsyncClient) -> None:
    await op(services, SALES, capture_lead, LeadInput(**lead_data(budget="€6.000")))
    await op(services, SALES, capture_lead, LeadInput(**lead_data(budget="$5,000")))
    bad = await api.post("/api/fx/rates", json={"currency": "E1R", "rate": "1.08"})
    assert bad.status_code == 422 and "currency" in bad.text
    bad = await api.post("/api/fx/rates", json={"currency": "EUR", "rate": "-1"})
    assert bad.status_code == 422 and "rate" in bad.text
    made = await api.post("/api/fx/rates", json={"currency": "eur", "rate": "1.08", "as_of": "2026-01-15"})
    assert made.status_code == 201, made.text
    assert made.json()["currency"] == "EUR" and made.json()["rate"] == "1.08" and made.json()["as_of"] == "2026-01-15"
    listed = (await api.get("/api/fx/rates")).json()
    assert listed["base"] == "USD" and [r["currency"] for r in listed["rates"]] == ["EUR"]
    sales = await make_key(services, "sales", "sales")
    refused = await api.post("/api/fx/rates", json={"currency": "GBP", "rate": "1.3"},
                             headers={"Authorization": f"Bearer {sales}"})
    assert refused.status_code == 403


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_grace_fx_set_and_list(services: Services, settings: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRACE_DATABASE_URL", settings.database_url)  # type: ignore[attr-defined]
    monkeypatch.setenv("GRACE_DATA_DIR", str(settings.data_dir))  # type: ignore[attr-defined]
    monkeypatch.setenv("GRACE_SECRET_KEY", "test-secret-key")
    runner = CliRunner()

    def invoke(*args: str) -> object:
        return in_thread(runner.invoke, app, list(args))

    done = invoke("fx", "set", "EUR", "1.08")
    assert done.exit_code == 0, done.output  # type: ignore[attr-defined]
    assert "1 EUR = 1.08 USD" in done.output  # type: ignore[attr-defined]
    for args, message in ((("fx", "set", "EURO", "1.08"), "currency"), (("fx", "set", "EUR", "abc"), "rate"),
                          (("fx", "set", "EUR", "0"), "rate"), (("fx", "set", "EUR", "1", "--as-of", "2026-13-01"),
                                                               "--as-of")):
        bad = invoke(*args)
        assert bad.exit_code == 1 and message in bad.output, bad.output  # type: ignore[attr-defined]
    listed = invoke("fx", "list", "--json")
    rates = json.loads(listed.stdout)["rates"]  # type: ignore[attr-defined]
    assert [(r["currency"], r["rate"], r["set_by"].startswith("cli:")) for r in rates] == [("EUR", "1.08", True)]
