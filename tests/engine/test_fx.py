"""No sum, comparison or threshold mixes currencies: rates the agency sets convert, and without
one reports give per-currency totals and the Parliament threshold asks for a vote."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from engine.context import Services
from engine.delivery.deliver import deliver_project
from engine.fx import FxRateInput, Rates, list_fx_rates, set_fx_rate, total
from engine.pipeline.capture import capture_lead
from engine.pipeline.metrics import get_pipeline_metrics, get_revenue_stats
from engine.pipeline.schemas import LeadInput
from engine.proposals.service import generate_proposal
from storage.models import AuditEntry, Invoice, Proposal, VoteSession
from tests.conftest import ADMIN, SALES, VIEWER, lead_data, op
from tests.helpers.delivery import DELIVERY, make_members, make_project

FINANCE_RATE = FxRateInput(currency="EUR", rate=Decimal("1.08"))


async def _rate(services: Services, currency: str, rate: str) -> None:
    await op(services, ADMIN, set_fx_rate, FxRateInput(currency=currency, rate=Decimal(rate)))


async def test_a_eur_and_a_usd_lead_give_per_currency_totals_then_one_converted_total(services: Services) -> None:
    await op(services, SALES, capture_lead, LeadInput(**lead_data(budget="€6.000")))
    await op(services, SALES, capture_lead, LeadInput(**lead_data(budget="USD 5,000")))

    m = await op(services, VIEWER, get_pipeline_metrics)
    lead = next(s for s in m.stages if s.stage == "LEAD")
    assert lead.count == 2
    assert lead.value is None  # 6,000 EUR + 5,000 USD is not 11,000 of anything
    assert lead.values == {"EUR": Decimal("6000.00"), "USD": Decimal("5000.00")}
    assert m.open_value is not None and m.open_value.total is None and m.open_value.missing_rates == ["EUR"]
    assert m.missing_rates == ["EUR"]

    await _rate(services, "EUR", "1.08")
    m = await op(services, VIEWER, get_pipeline_metrics)
    lead = next(s for s in m.stages if s.stage == "LEAD")
    assert lead.value == Decimal("11480.00") and m.currency == "USD"  # 6,000 x 1.08 + 5,000
    assert lead.values == {"EUR": Decimal("6000.00"), "USD": Decimal("5000.00")}
    assert m.open_value is not None and m.open_value.total == Decimal("11480.00") and m.missing_rates == []


@pytest.mark.parametrize(("price", "rate", "vote"), [
    ("6000", "1.08", True),   # the case: EUR 6,000 = USD 6,480 > USD 5,000
    ("4800", "1.08", True),   # 4,800 < 5,000 as bare numbers, but USD 5,184 once converted
    ("5200", "0.90", False),  # 5,200 > 5,000 as bare numbers, but USD 4,680 once converted
    ("4000", None, True),     # no rate: nobody can tell, so a vote decides
])
async def test_the_parliament_threshold_converts_and_asks_for_a_vote_without_a_rate(
        services: Services, price: str, rate: str | None, vote: bool) -> None:
    assert services.settings.parliament_threshold == Decimal("5000") and services.settings.currency == "USD"
    await make_members(services, "approver", 3)
    if rate:
        await _rate(services, "EUR", rate)
    pid = await make_project(services, price=price, currency="EUR")
    res = await op(services, DELIVERY, deliver_project, pid)
    assert res.status == ("awaiting_approval" if vote else "in_progress")
    async with services.session_factory() as s:
        votes = (await s.execute(select(VoteSession).where(VoteSession.subject_id == pid))).scalars().all()
        audit = (await s.execute(select(AuditEntry.details).where(
            AuditEntry.action == "project.approval_requested"))).scalars().all()
    assert len(votes) == (1 if vote else 0)
    if vote:
        assert audit[-1]["currency"] == "EUR" and audit[-1]["no_exchange_rate"] is (rate is None)
    if not vote:
        await services.queue.join()  # type: ignore[union-attr]  # the in-process queue: let the build finish


async def test_revenue_is_per_currency_without_a_rate_and_converted_with_it(services: Services) -> None:
    pid_eur = await make_project(services, price="1000", currency="EUR")
    pid_usd = await make_project(services, price="500", currency="USD")
    async with services.session_factory() as s:
        s.add_all([
            Invoice(invoice_number="INV-E1", project_id=pid_eur, client_id=(await _client(s, pid_eur)),
                    amount=Decimal("1000"), currency="EUR", status="paid", paid_at=None),
            Invoice(invoice_number="INV-U1", project_id=pid_usd, client_id=(await _client(s, pid_usd)),
                    amount=Decimal("500"), currency="USD", status="issued"),
        ])
        await s.commit()
    r = await op(services, VIEWER, get_revenue_stats, "all")
    assert (r.invoiced, r.paid, r.outstanding, r.missing_rates) == (None, None, None, ["EUR"])
    assert r.by_currency == {"EUR": {"invoiced": Decimal("1000.00"), "paid": Decimal("1000.00"),
                                     "outstanding": Decimal("0.00")},
                             "USD": {"invoiced": Decimal("500.00"), "paid": Decimal("0.00"),
                                     "outstanding": Decimal("500.00")}}
    await _rate(services, "EUR", "1.10")
    r = await op(services, VIEWER, get_revenue_stats, "all")
    assert (r.invoiced, r.paid, r.outstanding, r.missing_rates) == (
        Decimal("1600.00"), Decimal("1100.00"), Decimal("500.00"), [])


async def _client(s: object, pid: int) -> int:
    from storage.models import Project

    project = await s.get(Project, pid)  # type: ignore[attr-defined]
    return int(project.client_id)


async def test_a_proposal_is_priced_in_the_client_s_currency_at_the_set_rate(services: Services) -> None:
    usd = (await op(services, SALES, capture_lead, LeadInput(**lead_data(budget="100000")))).lead_id
    eur = (await op(services, SALES, capture_lead, LeadInput(**lead_data(budget="€100.000")))).lead_id
    in_usd = (await op(services, SALES, generate_proposal, usd)).proposal
    # Without a rate the price stays in the agency's currency, and nobody claims it fits a EUR budget.
    no_rate = (await op(services, SALES, generate_proposal, eur)).proposal
    assert no_rate.price == in_usd.price and not no_rate.fits_budget
    assert "no exchange rate for EUR" in no_rate.budget_note
    await _rate(services, "EUR", "1.25")
    in_eur = (await op(services, SALES, generate_proposal, eur)).proposal
    assert in_eur.fits_budget and "1 EUR = 1.25 USD" in in_eur.budget_note
    # Every hour is priced at the USD rate / 1.25, so the total is about 80 % of the USD one.
    assert abs(in_eur.price - in_usd.price / Decimal("1.25")) <= Decimal("0.01") * len(in_eur.deliverables)
    async with services.session_factory() as s:
        currencies = dict((await s.execute(select(Proposal.id, Proposal.currency))).all())
    assert (currencies[in_usd.id], currencies[no_rate.id], currencies[in_eur.id]) == ("USD", "USD", "EUR")


async def test_a_budget_keeps_its_currency_and_a_contradiction_is_refused() -> None:
    assert LeadInput(**lead_data(budget="CHF 20'000")).currency == "CHF"
    assert LeadInput(**lead_data(budget="₹ 9,50,000", currency="inr")).currency == "INR"
    assert LeadInput(**lead_data(budget="12000", currency="GBP")).currency == "GBP"
    with pytest.raises(ValidationError, match="budget is in EUR but currency says USD"):
        LeadInput(**lead_data(budget="€8.500", currency="USD"))


async def test_rates_are_validated_dated_audited_and_listed(services: Services) -> None:
    for bad in ({"currency": "EU", "rate": "1"}, {"currency": "€€€", "rate": "1"}, {"currency": "EUR", "rate": "0"},
                {"currency": "EUR", "rate": "-1.2"}, {"currency": "EUR", "rate": "1e9"}):
        with pytest.raises(ValidationError):
            FxRateInput.model_validate(bad)
    await op(services, ADMIN, set_fx_rate, FINANCE_RATE)
    await _rate(services, "EUR", "1.09")
    listed = await op(services, VIEWER, list_fx_rates)
    assert [r.rate for r in listed.rates] == [Decimal("1.09"), Decimal("1.08")] and listed.base == "USD"
    async with services.session_factory() as s:
        audit = (await s.execute(select(AuditEntry.details).where(AuditEntry.action == "fx.rate_set")
                                 .order_by(AuditEntry.seq))).scalars().all()
    assert [(a["rate"], a["previous"]) for a in audit] == [("1.08", None), ("1.09", "1.08")]
    from engine.errors import GraceError

    with pytest.raises(GraceError, match="agency's own currency"):
        await _rate(services, "USD", "1.5")
    with pytest.raises(GraceError):
        await op(services, SALES, set_fx_rate, FINANCE_RATE)


def test_totals_never_add_two_currencies_without_a_rate() -> None:
    rates = Rates(base="USD", rates={"EUR": Decimal("1.08")})
    t = total([(Decimal("10"), "EUR"), (Decimal("5"), "USD"), (Decimal("7"), "GBP")], rates)
    assert t.total is None and t.missing_rates == ["GBP"]
    assert t.by_currency == {"EUR": Decimal("10.00"), "GBP": Decimal("7.00"), "USD": Decimal("5.00")}
    assert total([(Decimal("10"), "EUR"), (Decimal("5"), "USD")], rates).total == Decimal("15.80")
    assert rates.convert(Decimal("108"), "USD", "EUR") == Decimal("100.00")
