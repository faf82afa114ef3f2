"""POST /webhooks/stripe: signed events, stored once, processed once, in any order."""

import asyncio
import json
import time
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import func, select, update

from engine.billing.invoices import collect_payment
from storage.models import AuditEntry, Client, InboundEvent, Invoice, Lead
from tests.conftest import ADMIN, op
from tests.fakes.stripe import signed
from tests.helpers.billing import THIRDS, make_project, reload

SECRET = "whsec_test"


async def issued_invoice(services, fake, *, milestone=None, shares=None):
    project = await make_project(services, shares=shares)
    result = await op(services, ADMIN, collect_payment, project.id, milestone)
    row = await reload(services, Invoice, result.invoice_id)
    return project, row


async def deliver(api, event, *, secret=SECRET, timestamp=None):
    body, headers = signed(event, secret, timestamp)
    return await api.post("/webhooks/stripe", content=body, headers=headers)


def paid_messages(services):
    return [m for m in services.notifier.sent if (m["key"] or "").startswith("invoice-paid:")]


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_same_paid_event_five_times_concurrently_pays_once(stripe_services, fake_stripe, live_server):
    services = stripe_services
    project, inv = await issued_invoice(services, fake_stripe)
    event = fake_stripe.event("invoice.paid", inv.provider_invoice_id)
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as http:
        responses = await asyncio.gather(*(deliver(http, event) for _ in range(5)))
    assert [r.status_code for r in responses] == [200] * 5
    assert sorted(r.json()["result"] for r in responses) == ["duplicate"] * 4 + ["processed"]

    row = await reload(services, Invoice, inv.id)
    assert row.status == "paid" and row.paid_at is not None
    assert row.transaction_id == f"pi_for_{inv.provider_invoice_id}"
    client = await reload(services, Client, project.client_id)
    assert client.lifetime_value == Decimal("10000.00") and client.project_count == 1
    assert (await reload(services, Lead, project.lead_id)).stage == "PAID"
    assert len(paid_messages(services)) == 1
    async with services.session_factory() as s:
        events = (await s.execute(select(InboundEvent).where(InboundEvent.source == "stripe"))).scalars().all()
        paid_audits = (await s.execute(select(func.count()).select_from(AuditEntry)
                                       .where(AuditEntry.action == "invoice.paid"))).scalar_one()
    assert len(events) == 1 and events[0].handled_at is not None and events[0].external_id == event["id"]
    assert paid_audits == 1


async def test_redelivery_later_changes_nothing(stripe_services, fake_stripe, api):
    services = stripe_services
    project, inv = await issued_invoice(services, fake_stripe)
    event = fake_stripe.event("invoice.paid", inv.provider_invoice_id)
    assert (await deliver(api, event)).json()["result"] == "processed"
    assert (await deliver(api, event)).json()["result"] == "duplicate"
    # a different event id for the same payment (Stripe can send both) is processed but changes nothing
    twin = fake_stripe.event("invoice.paid", inv.provider_invoice_id)
    assert (await deliver(api, twin)).json()["result"] == "processed"
    client = await reload(services, Client, project.client_id)
    assert client.lifetime_value == Decimal("10000.00") and client.project_count == 1
    assert len(paid_messages(services)) == 1


async def test_paid_after_failed_stays_paid_and_failed_after_paid_too(stripe_services, fake_stripe, api):
    services = stripe_services
    _, a = await issued_invoice(services, fake_stripe)
    _, b = await issued_invoice(services, fake_stripe)
    # a: failed, then paid
    assert (await deliver(api, fake_stripe.event("invoice.payment_failed", a.provider_invoice_id))).status_code == 200
    assert (await reload(services, Invoice, a.id)).status == "payment_failed"
    await deliver(api, fake_stripe.event("invoice.paid", a.provider_invoice_id))
    # b: paid, then a stale failure arrives
    await deliver(api, fake_stripe.event("invoice.paid", b.provider_invoice_id))
    await deliver(api, fake_stripe.event("invoice.payment_failed", b.provider_invoice_id))
    for inv in (a, b):
        assert (await reload(services, Invoice, inv.id)).status == "paid"
    alerts = [m for m in services.notifier.sent if (m["key"] or "").startswith("invoice-failed:")]
    assert len(alerts) == 1 and str(a.id) in alerts[0]["key"]
    assert len(paid_messages(services)) == 2


async def test_paid_matched_by_our_key_when_the_stripe_id_is_not_recorded(stripe_services, fake_stripe, api):
    services = stripe_services
    _, inv = await issued_invoice(services, fake_stripe)
    async with services.session_factory() as s:
        await s.execute(update(Invoice).where(Invoice.id == inv.id).values(provider_invoice_id=None))
        await s.commit()
    r = await deliver(api, fake_stripe.event("invoice.paid", inv.provider_invoice_id))
    assert r.status_code == 200 and r.json()["result"] == "processed"
    row = await reload(services, Invoice, inv.id)
    assert row.status == "paid" and row.provider_invoice_id == inv.provider_invoice_id


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_paid_arriving_before_our_commit_converges(stripe_services, fake_stripe, api):
    """Stripe sends invoice.paid while collect_payment's transaction is still open."""
    services = stripe_services
    project = await make_project(services)
    early: list = []

    async def deliver_now(invoice):
        event = fake_stripe.event("invoice.paid", invoice["id"])
        early.append((event, await deliver(api, event)))

    fake_stripe.on_finalize.append(deliver_now)
    result = await op(services, ADMIN, collect_payment, project.id)
    (event, first), = early
    assert first.status_code == 503 and first.json()["error"] == "invoice_not_yet_known"
    async with services.session_factory() as s:
        stored = (await s.execute(select(InboundEvent).where(InboundEvent.source == "stripe"))).scalar_one()
    assert stored.handled_at is None and "not recorded yet" in stored.error
    # Stripe retries: now it lands.
    again = await deliver(api, event)
    assert again.status_code == 200 and again.json()["result"] == "processed"
    row = await reload(services, Invoice, result.invoice_id)
    assert row.status == "paid"
    assert (await reload(services, Client, project.client_id)).lifetime_value == Decimal("10000.00")


async def test_events_not_about_our_invoices_are_acknowledged(stripe_services, fake_stripe, api):
    foreign = {"id": "evt_foreign", "type": "invoice.paid", "data": {"object": {"id": "in_x", "object": "invoice",
                                                                              "metadata": {}}}}
    other_kind = {"id": "evt_cust", "type": "customer.created", "data": {"object": {"id": "cus_1", "object": "customer"}}}
    for ev in (foreign, other_kind):
        r = await deliver(api, ev)
        assert r.status_code == 200 and r.json()["result"] == "ignored"


def _bad_signatures(metrics: str) -> float:
    line = next((x for x in metrics.splitlines() if x.startswith('grace_bad_signatures_total{source="stripe"}')), None)
    return float(line.split()[-1]) if line else 0.0


async def test_bad_signatures_are_refused_counted_and_never_audited(stripe_services, fake_stripe, api):
    """Anyone can send a bad signature: each one would have grown the hash-chained audit log under
    its lock. They are counted in /metrics and logged instead."""
    services = stripe_services
    _, inv = await issued_invoice(services, fake_stripe, shares=THIRDS, milestone=1)
    event = fake_stripe.event("invoice.paid", inv.provider_invoice_id)
    body, headers = signed(event, SECRET)
    attempts = {
        "forged": signed(event, "whsec_wrong"),
        "stale": signed(event, SECRET, timestamp=int(time.time()) - 301),
        "altered": (body.replace('"amount_paid": 333333', '"amount_paid": 1'), headers),
        "missing": (body, {"Content-Type": "application/json"}),
        "garbage": (body, {"Stripe-Signature": "t=1,v1=00"}),
    }
    assert '"amount_paid": 333333' in body
    async with services.session_factory() as s:
        audit_before = (await s.execute(select(func.count()).select_from(AuditEntry))).scalar_one()
    metrics_before = _bad_signatures((await api.get("/metrics")).text)
    for name, (payload, hdrs) in attempts.items():
        r = await api.post("/webhooks/stripe", content=payload, headers=hdrs)
        assert r.status_code == 400, name
        assert r.json()["error"] == "invalid_signature"
    row = await reload(services, Invoice, inv.id)
    assert row.status == "issued" and row.paid_at is None
    async with services.session_factory() as s:
        assert (await s.execute(select(func.count()).select_from(InboundEvent))).scalar_one() == 0
        audit_after = (await s.execute(select(func.count()).select_from(AuditEntry))).scalar_one()
        ltv = (await s.get(Client, inv.client_id)).lifetime_value
    assert audit_after == audit_before and ltv == Decimal("0")
    assert _bad_signatures((await api.get("/metrics")).text) == metrics_before + len(attempts)
    assert not paid_messages(services)
    # the genuine delivery still works afterwards
    ok = await api.post("/webhooks/stripe", content=body, headers=headers)
    assert ok.status_code == 200 and json.loads(ok.text)["result"] == "processed"


async def test_a_paid_amount_that_differs_is_recorded(stripe_services, fake_stripe, api):
    services = stripe_services
    _, inv = await issued_invoice(services, fake_stripe)
    event = fake_stripe.event("invoice.paid", inv.provider_invoice_id)
    event["data"]["object"]["amount_paid"] = 100
    assert (await deliver(api, event)).status_code == 200
    async with services.session_factory() as s:
        entry = (await s.execute(select(AuditEntry).where(AuditEntry.action == "invoice.amount_mismatch"))).scalar_one()
    assert entry.details["expected_minor"] == 1000000 and entry.details["paid_minor"] == 100
