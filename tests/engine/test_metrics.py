"""Pipeline figures: counts, value, conversion, win rate, time in stage, stuck leads, sources."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import update

from engine.pipeline.capture import capture_lead
from engine.pipeline.metrics import get_pipeline_metrics, get_revenue_stats
from engine.pipeline.moves import mark_lost, move_to_stage
from engine.pipeline.schemas import LeadInput, StageMoveInput
from storage.models import Lead, LeadStageHistory
from storage.types import utcnow
from tests.conftest import SALES, VIEWER, lead_data, op
from tests.helpers.facts import accepted_by_client


async def _move(services, lead_id, *stages):
    for st in stages:
        await op(services, SALES, move_to_stage, lead_id, StageMoveInput(stage=st))


async def test_conversion_win_rate_and_sources(services):
    ids = [(await op(services, SALES, capture_lead, LeadInput(**lead_data(source=src, budget=b, referrer=ref))))
           .lead_id for src, b, ref in [("website", "1000", None), ("referral", "2000", "Tom"),
                                        ("referral", "3000", "Tom"), ("linkedin", None, None)]]
    await _move(services, ids[0], "QUALIFIED")
    await accepted_by_client(services, ids[0])  # PROPOSAL, then CONTRACT by the client's acceptance
    await _move(services, ids[1], "QUALIFIED")
    await op(services, SALES, mark_lost, ids[1], "no budget")
    await _move(services, ids[2], "QUALIFIED")
    m = await op(services, VIEWER, get_pipeline_metrics)
    assert m.total_leads == 4
    by = {s.stage: s for s in m.stages}
    assert (by["LEAD"].count, by["QUALIFIED"].count, by["CONTRACT"].count, by["LOST"].count) == (1, 1, 1, 1)
    async with services.session_factory() as s:
        priced = (await s.get(Lead, ids[0])).value_estimate  # the accepted proposal's price, not the budget
    assert priced is not None and priced != Decimal("1000.00")
    assert by["CONTRACT"].value == priced and by["LEAD"].value == Decimal("0.00")
    conv = {(c.from_stage, c.to_stage): c for c in m.conversion}
    assert conv[("LEAD", "QUALIFIED")].reached_from == 4 and conv[("LEAD", "QUALIFIED")].reached_to == 3
    assert conv[("LEAD", "QUALIFIED")].rate == 0.75
    assert conv[("QUALIFIED", "PROPOSAL")].rate == round(1 / 3, 4)
    assert m.won == 1 and m.lost == 1 and m.win_rate == 0.5
    assert m.by_source == {"website": 1, "referral": 2, "linkedin": 1}
    assert m.by_referrer == {"Tom": 2}
    assert by["LEAD"].avg_days is not None and by["LEAD"].avg_days < 0.01


async def test_stuck_leads_and_time_in_stage(services):
    lead_id = (await op(services, SALES, capture_lead, LeadInput(**lead_data()))).lead_id
    long_ago = utcnow() - timedelta(days=30)
    async with services.session_factory() as s:
        await s.execute(update(Lead).where(Lead.id == lead_id).values(stage_changed_at=long_ago))
        await s.execute(update(LeadStageHistory).where(LeadStageHistory.lead_id == lead_id).values(at=long_ago))
        await s.commit()
    m = await op(services, VIEWER, get_pipeline_metrics)
    assert m.stuck_lead_ids == [lead_id] and m.stages[0].stuck == 1
    await _move(services, lead_id, "QUALIFIED")
    m = await op(services, VIEWER, get_pipeline_metrics)
    assert m.stuck_lead_ids == []
    assert 29.9 < m.stages[0].avg_days < 30.1


async def test_revenue_is_zero_without_invoices(services):
    r = await op(services, VIEWER, get_revenue_stats, "month")
    assert (r.invoiced, r.paid, r.outstanding, r.by_source, r.by_month) == (0, 0, 0, {}, {})
