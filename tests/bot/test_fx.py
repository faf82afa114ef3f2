"""`grace fx set EUR 1.08` and /api/fx/rates, against a real database."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli.main import app
from engine.context import Services
from engine.fx import FxRateInput, set_fx_rate
from engine.pipeline.capture import capture_lead
from engine.pipeline.schemas import LeadInput
from engine.proposals.catalog import DEFAULT_CATALOG, parse_catalog
from storage.models import Invoice
from storage.types import utcnow
from tests.conftest import ADMIN, SALES, in_thread, lead_data, make_key, op
from tests.helpers.billing import make_project as billing_project


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


# ---- policy limits on amounts in another currency: compared in the agency's currency ------------

async def _issued_invoice(services: Services, amount: str, currency: str) -> int:
    project = await billing_project(services, price=amount, currency=currency)
    now = utcnow()
    async with services.session_factory() as s:
        invoice = Invoice(project_id=project.id, client_id=project.client_id, amount=Decimal(amount),
                          currency=currency, status="issued", payment_method="bank_transfer",
                          invoice_number=f"INV-T-{uuid.uuid4().hex[:8].upper()}", issued_at=now, due_at=now,
                          idempotency_key=f"t:{uuid.uuid4().hex}", metadata_={})
        s.add(invoice)
        await s.commit()
        return invoice.id


async def _status(services: Services, invoice_id: int) -> str:
    async with services.session_factory() as s:
        invoice = await s.get(Invoice, invoice_id)
        assert invoice is not None
        return str(invoice.status)


async def test_a_eur_invoice_marked_paid_is_checked_against_the_usd_limit(services: Services,
                                                                         api: httpx.AsyncClient) -> None:
    """policies.yml: mark_invoice_paid.max_amount 250000 (USD, the agency's currency)."""
    finance = {"Authorization": f"Bearer {await make_key(services, 'finance', 'finance')}"}
    eur_240k = await _issued_invoice(services, "240000.00", "EUR")  # under the limit as a number, over in USD

    async def mark(invoice_id: int) -> httpx.Response:
        return await api.post(f"/api/business/invoices/{invoice_id}/mark-paid", json={"reference": "BANK-1"},
                              headers=finance)

    no_rate = await mark(eur_240k)
    assert no_rate.status_code == 403, no_rate.text
    body = no_rate.json()
    assert body["details"]["rule"] == "mark_invoice_paid.max_amount" and body["details"]["missing_rate"] == "EUR"
    assert "No exchange rate from EUR to USD" in body["message"] and "grace fx set EUR" in body["message"]
    assert await _status(services, eur_240k) == "issued"

    assert (await api.post("/api/fx/rates", json={"currency": "EUR", "rate": "1.08"})).status_code == 201
    over = await mark(eur_240k)  # 240,000 EUR = 259,200 USD
    assert over.status_code == 403 and over.json()["details"]["rule"] == "mark_invoice_paid.max_amount", over.text
    assert "259,200.00 USD is over the limit of 250,000 USD to mark invoice paid" in over.json()["message"]
    assert await _status(services, eur_240k) == "issued"

    eur_200k = await _issued_invoice(services, "200000.00", "EUR")  # 216,000 USD
    paid = await mark(eur_200k)
    assert paid.status_code == 200 and paid.json()["status"] == "paid", paid.text

    # And the other way: a number over the limit in a currency worth less is within it.
    assert (await api.post("/api/fx/rates", json={"currency": "INR", "rate": "0.012"})).status_code == 201
    inr = await _issued_invoice(services, "950000.00", "INR")  # 11,400 USD
    assert (await mark(inr)).status_code == 200
    assert await _status(services, inr) == "paid"


async def test_collect_payment_in_eur_is_checked_in_usd(services: Services, api: httpx.AsyncClient) -> None:
    finance = {"Authorization": f"Bearer {await make_key(services, 'finance', 'finance')}"}
    project = await billing_project(services, price="240000.00", currency="EUR")

    async def collect() -> httpx.Response:
        return await api.post(f"/api/business/projects/{project.id}/payment", json={}, headers=finance)

    no_rate = await collect()
    assert no_rate.status_code == 403 and no_rate.json()["details"]["missing_rate"] == "EUR", no_rate.text
    await op(services, ADMIN, set_fx_rate, FxRateInput(currency="EUR", rate=Decimal("1.08")))
    over = await collect()
    assert over.status_code == 403 and over.json()["details"]["rule"] == "collect_payment.max_amount", over.text
    async with services.session_factory() as s:
        assert (await s.execute(select(func.count()).select_from(Invoice)
                                .where(Invoice.project_id == project.id))).scalar_one() == 0
    await op(services, ADMIN, set_fx_rate, FxRateInput(currency="EUR", rate=Decimal("1.01")))  # 242,400 USD
    made = await collect()
    assert made.status_code == 200 and made.json()["amount"] == "240000.00", made.text


# ---- proposals priced in the client's currency: the catalog's own rates, else a stated conversion ----

EUR_ROLES = {"consultant": "165", "engineer": "140", "ml_engineer": "155", "designer": "110", "qa": "92",
             "project_manager": "120"}


def _catalog_with_eur(tmp_path: Path, roles: dict[str, str]) -> Path:
    data = yaml.safe_load(DEFAULT_CATALOG.read_text(encoding="utf-8"))
    data["currencies"] = {"EUR": {"roles": {k: {"rate": v, "cost": "50"} for k, v in roles.items()}}}
    path = tmp_path / "catalog.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


async def test_a_proposal_uses_the_catalogs_own_rates_for_the_clients_currency(
        services: Services, api: httpx.AsyncClient, tmp_path: Path) -> None:
    services.settings.catalog_path = _catalog_with_eur(tmp_path, EUR_ROLES)
    usd_rates = {k: str(v.rate) for k, v in parse_catalog(DEFAULT_CATALOG.read_text(encoding="utf-8")).roles.items()}

    async def propose(budget: str) -> dict:
        lead = await api.post("/api/business/leads", json=lead_data(budget=budget,
                                                                    requirements="A support chatbot for our shop"))
        assert lead.status_code == 201, lead.text
        r = await api.post("/api/business/proposals/generate", json={"lead_id": lead.json()["lead_id"]})
        assert r.status_code == 200, r.text
        return r.json()["proposal"]

    # EUR: the catalog's EUR table, no exchange rate needed (none is set).
    eur = await propose("€100.000")
    assert eur["currency"] == "EUR" and "from the catalog's EUR rates" in eur["budget_note"], eur
    assert {d["role"]: Decimal(d["rate"]) for d in eur["deliverables"]} == \
        {d["role"]: Decimal(EUR_ROLES[d["role"]]) for d in eur["deliverables"]}
    assert eur["fits_budget"] is True
    # GBP: no table, so the USD rates converted at the rate set, and the rate is stated.
    await op(services, ADMIN, set_fx_rate, FxRateInput(currency="GBP", rate=Decimal("1.25")))
    gbp = await propose("£100,000")
    assert gbp["currency"] == "GBP" and "1 GBP = 1.25 USD" in gbp["budget_note"], gbp
    for d in gbp["deliverables"]:
        assert Decimal(d["rate"]) == (Decimal(usd_rates[d["role"]]) / Decimal("1.25")).quantize(Decimal("0.01"))
    # An EUR rate set later does not replace the catalog's own EUR prices.
    await op(services, ADMIN, set_fx_rate, FxRateInput(currency="EUR", rate=Decimal("1.08")))
    again = await propose("€100.000")
    assert [d["rate"] for d in again["deliverables"]] == [d["rate"] for d in eur["deliverables"]]


async def test_a_currency_table_missing_a_role_is_refused_naming_it(services: Services, api: httpx.AsyncClient,
                                                                    tmp_path: Path) -> None:
    services.settings.catalog_path = _catalog_with_eur(tmp_path, {k: v for k, v in EUR_ROLES.items() if k != "qa"})
    lead = await api.post("/api/business/leads", json=lead_data(budget="€20.000"))
    r = await api.post("/api/business/proposals/generate", json={"lead_id": lead.json()["lead_id"]})
    assert r.status_code == 422, r.text
    assert "currencies.EUR.roles: no EUR rate for qa" in r.json()["message"]


def test_grace_proposal_catalog_lists_and_checks_currency_tables(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"GRACE_DATA_DIR": str(tmp_path / "data"), "GRACE_SECRET_KEY": "k",
           "GRACE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/g.db"}
    good = _catalog_with_eur(tmp_path, EUR_ROLES)
    r = runner.invoke(app, ["proposal", "catalog"], env={**env, "GRACE_CATALOG_PATH": str(good)})
    assert r.exit_code == 0 and "rates in EUR: consultant 165/h" in " ".join(r.output.split()), r.output
    data = yaml.safe_load(good.read_text())
    for table, message in (
        ({"eur": data["currencies"]["EUR"]}, "write the code in capitals (EUR)"),
        ({"EURO": data["currencies"]["EUR"]}, "three-letter currency code"),
        ({"EUR": {"roles": {**data["currencies"]["EUR"]["roles"], "wizard": {"rate": 1}}}},
         "currencies.EUR.roles: wizard is not in the main table"),
        ({"EUR": {**data["currencies"]["EUR"], "services": {"no-such-line": {}}}}, "no-such-line is not a service key"),
    ):
        bad = tmp_path / "bad.yml"
        bad.write_text(yaml.safe_dump({**data, "currencies": table}))
        r = runner.invoke(app, ["proposal", "catalog"], env={**env, "GRACE_CATALOG_PATH": str(bad)})
        assert r.exit_code == 1 and message in " ".join(r.output.split()), r.output
