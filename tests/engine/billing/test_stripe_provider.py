"""collect_payment through the real stripe SDK against the fake Stripe API."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from engine.billing.errors import PaymentProviderFailed
from engine.billing.invoices import collect_payment
from storage.models import Client, Invoice
from tests.conftest import ADMIN, op
from tests.helpers.billing import THIRDS, make_project, reload


async def test_stripe_invoices_in_minor_units_with_one_customer(stripe_services, fake_stripe):
    services = stripe_services
    project = await make_project(services, shares=THIRDS)
    results = [await op(services, ADMIN, collect_payment, project.id, m) for m in (1, 2, 3)]

    assert len(fake_stripe.customers) == 1  # found again, not duplicated
    assert [r.params["amount"] for r in fake_stripe.posts("/v1/invoiceitems")] == ["333333", "333333", "333334"]
    assert [i["amount_due"] for i in fake_stripe.invoices.values()] == [333333, 333333, 333334]
    for inv in fake_stripe.invoices.values():
        assert inv["status"] == "open" and inv["collection_method"] == "send_invoice"
        assert inv["days_until_due"] == 14 and inv["currency"] == "usd"
        assert inv["metadata"]["grace_invoice_key"].startswith(f"project:{project.id}:milestone:")
    assert all(r.idempotency_key and r.idempotency_key.startswith("grace:") for r in fake_stripe.posts("/v1/"))
    for r in results:
        row = await reload(services, Invoice, r.invoice_id)
        assert row.payment_method == "stripe"
        assert row.payment_link == fake_stripe.invoices[row.provider_invoice_id]["hosted_invoice_url"]
        assert r.payment_link == row.payment_link
    client = await reload(services, Client, project.client_id)
    assert client.metadata_["stripe_customer_id"] in fake_stripe.customers

    # a second project of the same client reuses the customer
    other = await make_project(services, client_id=project.client_id)
    await op(services, ADMIN, collect_payment, other.id)
    assert len(fake_stripe.customers) == 1


async def test_customer_found_by_search_when_we_forgot_it(stripe_services, fake_stripe):
    services = stripe_services
    project = await make_project(services)
    await op(services, ADMIN, collect_payment, project.id)
    async with services.session_factory() as s:
        client = await s.get(Client, project.client_id)
        client.metadata_ = {}
        await s.commit()
    other = await make_project(services, client_id=project.client_id)
    await op(services, ADMIN, collect_payment, other.id)
    assert len(fake_stripe.customers) == 1
    assert any(r.path == "/v1/customers/search" for r in fake_stripe.requests)


async def test_a_retry_after_a_lost_commit_reuses_the_stripe_invoice(stripe_services, fake_stripe):
    """Stripe answered but our transaction rolled back: the retry gets the same Stripe invoice (idempotency)."""
    services = stripe_services
    project = await make_project(services, shares=THIRDS)

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        from engine.context import unit_of_work

        async with unit_of_work(services, ADMIN) as ctx:
            await collect_payment(ctx, project.id, 1)
            raise Boom()
    result = await op(services, ADMIN, collect_payment, project.id, 1)
    assert len(fake_stripe.invoices) == 1 and len(fake_stripe.items) == 1
    row = await reload(services, Invoice, result.invoice_id)
    assert row.provider_invoice_id in fake_stripe.invoices


async def test_stripe_refusing_leaves_nothing_behind(stripe_services, fake_stripe):
    services = stripe_services
    fake_stripe.api_key = "sk_test_other"  # our key is now wrong: 401 from Stripe
    project = await make_project(services)
    with pytest.raises(PaymentProviderFailed):
        await op(services, ADMIN, collect_payment, project.id)
    async with services.session_factory() as s:
        assert (await s.execute(select(func.count()).select_from(Invoice))).scalar_one() == 0


async def test_amount_is_decimal_in_our_rows(stripe_services):
    project = await make_project(stripe_services, price="0.30", shares=["0.5", "0.5"])
    a = await op(stripe_services, ADMIN, collect_payment, project.id, 1)
    b = await op(stripe_services, ADMIN, collect_payment, project.id, 2)
    assert (a.amount, b.amount) == (Decimal("0.15"), Decimal("0.15"))


async def test_marking_a_stripe_invoice_paid_closes_it_at_stripe(stripe_services, fake_stripe):
    from engine.billing.schemas import MarkPaidInput
    from engine.billing.settle import mark_invoice_paid

    project = await make_project(stripe_services)
    result = await op(stripe_services, ADMIN, collect_payment, project.id)
    row = await reload(stripe_services, Invoice, result.invoice_id)
    view = await op(stripe_services, ADMIN, mark_invoice_paid, row.id, MarkPaidInput(reference="WIRE-1"))
    assert view.status == "paid"
    assert fake_stripe.invoices[row.provider_invoice_id]["status"] == "paid"
    assert fake_stripe.invoices[row.provider_invoice_id]["paid_out_of_band"] is True
    # marking again neither fails nor calls Stripe again
    await op(stripe_services, ADMIN, mark_invoice_paid, row.id, MarkPaidInput(reference="WIRE-1"))
    assert len(fake_stripe.posts(f"/v1/invoices/{row.provider_invoice_id}/pay")) == 1
