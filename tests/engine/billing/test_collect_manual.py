"""collect_payment with the manual provider (the embedded default), on SQLite and PostgreSQL."""

import asyncio
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from engine.actors import Actor, Role
from engine.billing.errors import ExceedsProjectPrice, MilestoneNotFound, NothingToInvoice
from engine.billing.invoices import collect_payment
from engine.billing.schemas import MarkPaidInput
from engine.billing.settle import mark_invoice_paid
from engine.errors import PolicyDenied
from engine.pipeline.metrics import get_revenue_stats
from storage.models import AuditEntry, Client, Invoice, Lead
from storage.types import utcnow
from tests.conftest import ADMIN, SALES, op
from tests.helpers.billing import THIRDS, make_project, reload

FINANCE = Actor(kind="test", ref="finance", role=Role.FINANCE, name="Test Finance")


async def test_three_milestones_of_ten_thousand_are_exact(services):
    project = await make_project(services, shares=THIRDS)
    results = [await op(services, FINANCE, collect_payment, project.id, m) for m in (1, 2, 3)]
    assert [r.amount for r in results] == [Decimal("3333.33"), Decimal("3333.33"), Decimal("3333.34")]
    assert all(isinstance(r.amount, Decimal) for r in results)
    assert sum(r.amount for r in results) == Decimal("10000.00")
    for r in results:
        assert re.fullmatch(r"INV-\d{8}-[A-Z2-9]{6}", r.invoice_number)
        assert r.status == "issued"
        assert r.payment_link and "/pay/" in r.payment_link
    assert len({r.invoice_number for r in results}) == 3
    inv = await reload(services, Invoice, results[0].invoice_id)
    assert inv.due_at - inv.issued_at == timedelta(days=14)
    assert inv.payment_method == "bank_transfer"
    with pytest.raises(NothingToInvoice):
        await op(services, FINANCE, collect_payment, project.id)


async def test_invoicing_the_same_milestone_twice_returns_the_first_invoice(services):
    project = await make_project(services, shares=THIRDS)
    first = await op(services, FINANCE, collect_payment, project.id, 2)
    again = await op(services, FINANCE, collect_payment, project.id, 2)
    assert again.invoice_id == first.invoice_id and again.already_existed and not first.already_existed
    async with services.session_factory() as s:
        assert (await s.execute(select(func.count()).select_from(Invoice))).scalar_one() == 1


async def test_double_click_at_the_same_time_makes_one_invoice(services):
    project = await make_project(services, shares=THIRDS)
    results = await asyncio.gather(*(op(services, FINANCE, collect_payment, project.id, 1) for _ in range(5)))
    assert len({r.invoice_id for r in results}) == 1
    assert sum(not r.already_existed for r in results) == 1
    async with services.session_factory() as s:
        assert (await s.execute(select(func.count()).select_from(Invoice))).scalar_one() == 1


async def test_never_more_than_the_price(services):
    project = await make_project(services, shares=THIRDS)
    await op(services, FINANCE, collect_payment, project.id, 1)
    balance = await op(services, FINANCE, collect_payment, project.id)
    assert balance.amount == Decimal("6666.67")
    with pytest.raises(ExceedsProjectPrice):
        await op(services, FINANCE, collect_payment, project.id, 2)
    with pytest.raises(MilestoneNotFound):
        await op(services, FINANCE, collect_payment, project.id, 9)
    async with services.session_factory() as s:
        total = (await s.execute(select(func.sum(Invoice.amount)))).scalar_one()
    assert Decimal(total) == Decimal("10000.00")


async def test_only_finance_or_admin_may_invoice(services):
    project = await make_project(services, shares=THIRDS)
    with pytest.raises(PolicyDenied):
        await op(services, SALES, collect_payment, project.id, 1)
    async with services.session_factory() as s:
        assert (await s.execute(select(func.count()).select_from(Invoice))).scalar_one() == 0
        denied = (await s.execute(select(AuditEntry).where(AuditEntry.action == "policy.denied"))).scalars().all()
    assert [d.subject for d in denied] == ["collect_payment"]


async def test_paying_every_milestone_pays_the_lead_and_counts_once(services):
    project = await make_project(services, shares=THIRDS)
    invoices = [await op(services, ADMIN, collect_payment, project.id, m) for m in (1, 2, 3)]
    for i, inv in enumerate(invoices):
        view = await op(services, FINANCE, mark_invoice_paid, inv.invoice_id, MarkPaidInput(reference=f"BANK-{i}"))
        assert view.status == "paid" and view.transaction_id == f"BANK-{i}"
        lead = await reload(services, Lead, project.lead_id)
        assert lead.stage == ("PAID" if i == 2 else "DELIVERED")
    # marking again changes nothing
    again = await op(services, FINANCE, mark_invoice_paid, invoices[0].invoice_id, MarkPaidInput(reference="other"))
    assert again.transaction_id == "BANK-0"
    client = await reload(services, Client, project.client_id)
    assert client.lifetime_value == Decimal("10000.00")
    assert client.project_count == 1
    paid_msgs = [m for m in services.notifier.sent if (m["key"] or "").startswith("invoice-paid:")]
    assert len(paid_msgs) == 3
    stats = await op(services, ADMIN, get_revenue_stats)
    assert stats.invoiced == Decimal("10000.00") and stats.paid == Decimal("10000.00")
    assert stats.outstanding == Decimal("0.00") and stats.by_source == {"referral": Decimal("10000.00")}


async def test_paid_before_delivery_leaves_the_lead_where_it_is(services):
    project = await make_project(services, stage="ACTIVE")
    inv = await op(services, FINANCE, collect_payment, project.id)
    assert inv.amount == Decimal("10000.00")
    await op(services, FINANCE, mark_invoice_paid, inv.invoice_id, MarkPaidInput(reference="X1"))
    lead = await reload(services, Lead, project.lead_id)
    assert lead.stage == "ACTIVE"
    async with services.session_factory() as s:
        actions = (await s.execute(select(AuditEntry.action))).scalars().all()
    assert "lead.paid_before_delivered" in actions and "project.paid_in_full" in actions


async def test_rest_payment_pay_page_and_mark_paid(services, api):
    services.settings.bank_details = "Account: Agency Ltd\\nIBAN: GB00 TEST 0000 0000 0000 00"
    project = await make_project(services, shares=THIRDS)
    r = await api.post(f"/api/business/projects/{project.id}/payment", json={"milestone": 3})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) >= {"invoice_id", "invoice_number", "amount", "currency", "status", "due_at", "payment_link"}
    assert body["amount"] == "3333.34" and body["currency"] == "USD" and body["status"] == "issued"
    path = body["payment_link"].split("127.0.0.1:8000", 1)[1]
    page = await api.get(path)
    assert page.status_code == 200
    assert body["invoice_number"] in page.text and "IBAN: GB00 TEST" in page.text and "3333.34" in page.text
    forged = await api.get(path[:-3] + "abc")
    assert forged.status_code == 404
    bad = await api.post(f"/api/business/invoices/{body['invoice_id']}/mark-paid", json={"reference": " "})
    assert bad.status_code == 422 and bad.json()["field"] == "reference"
    paid = await api.post(f"/api/business/invoices/{body['invoice_id']}/mark-paid", json={"reference": "TR-42"})
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    shown = await api.get(f"/api/business/invoices/{body['invoice_id']}")
    assert shown.json()["milestone"] == 3 and shown.json()["transaction_id"] == "TR-42"
    closed = await api.get(path)  # the link closes when the invoice is paid
    assert closed.status_code == 404 and "is paid" in closed.text and "IBAN" not in closed.text
    missing = await api.get("/api/business/invoices/999999")
    assert missing.status_code == 404


async def test_an_invoice_number_collision_is_retried(services, monkeypatch):
    from engine.billing import invoices

    numbers = iter(["INV-20260101-AAAAAA", "INV-20260101-AAAAAA", "INV-20260101-BBBBBB"])
    monkeypatch.setattr(invoices, "new_invoice_number", lambda now: next(numbers))
    project = await make_project(services, shares=THIRDS)
    first = await op(services, FINANCE, collect_payment, project.id, 1)
    second = await op(services, FINANCE, collect_payment, project.id, 2)
    assert (first.invoice_number, second.invoice_number) == ("INV-20260101-AAAAAA", "INV-20260101-BBBBBB")


async def test_rest_edges(services, api):
    from tests.conftest import make_key

    project = await make_project(services)
    r = await api.post(f"/api/business/projects/{project.id}/payment")
    assert r.status_code == 200 and r.json()["amount"] == "10000.00"
    zero = await api.post(f"/api/business/projects/{project.id}/payment", json={"milestone": 0})
    assert zero.status_code == 422 and zero.json()["field"] == "milestone"
    missing = await api.post("/api/business/projects/424242/payment")
    assert missing.status_code == 404
    viewer = await make_key(services, role="viewer")
    denied = await api.post(f"/api/business/projects/{project.id}/payment",
                            headers={"Authorization": f"Bearer {viewer}"})
    assert denied.status_code == 403
    seen = await api.get(f"/api/business/invoices/{r.json()['invoice_id']}", headers={"Authorization": f"Bearer {viewer}"})
    assert seen.status_code == 200
    # Stripe webhooks do not exist while no secret is configured
    hook = await api.post("/webhooks/stripe", content=b"{}", headers={"Stripe-Signature": "t=1,v1=abc"})
    assert hook.status_code == 404 and hook.json()["error"] == "source_not_configured"


async def test_pay_links_close_when_voided_and_expire_after_the_due_date(services, api):
    project = await make_project(services, price="900.00")
    body = (await api.post(f"/api/business/projects/{project.id}/payment", json={})).json()
    path = body["payment_link"].split("127.0.0.1:8000", 1)[1]
    assert (await api.get(path)).status_code == 200
    async with services.session_factory() as s:
        inv = await s.get(Invoice, body["invoice_id"])
        inv.due_at = utcnow() - timedelta(days=services.settings.pay_link_days_after_due, hours=1)
        await s.commit()
    expired = await api.get(path)
    assert expired.status_code == 404 and "expired" in expired.text and "IBAN" not in expired.text
    async with services.session_factory() as s:
        inv = await s.get(Invoice, body["invoice_id"])
        inv.due_at, inv.status = utcnow(), "void"
        await s.commit()
    voided = await api.get(path)
    assert voided.status_code == 404 and "cancelled" in voided.text
