"""Pipeline and revenue figures, computed in SQL (a handful of GROUP BY queries)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import case, func, select

from engine.cache import TTL_PIPELINE, cached
from engine.context import OperationContext
from engine.errors import InvalidInput
from engine.fx import MoneyTotal, Rates, rates_for, total_of
from engine.money import cents
from engine.pipeline.schemas import DecimalStr
from engine.pipeline.stages import OPEN, ORDER, RANK, WON, Stage
from engine.statuses import InvoiceStatus
from storage.models import Invoice, Lead, LeadStageHistory, Project
from storage.types import utcnow


class StageFigures(BaseModel):
    stage: str
    count: int
    # In the agency's currency; None when a lead's currency has no rate (then see `values`).
    value: DecimalStr | None
    values: dict[str, DecimalStr] = {}
    avg_days: float | None
    stuck: int


class Conversion(BaseModel):
    from_stage: str
    to_stage: str
    reached_from: int
    reached_to: int
    rate: float | None


class PipelineMetrics(BaseModel):
    total_leads: int
    stages: list[StageFigures]
    conversion: list[Conversion]
    win_rate: float | None
    won: int
    lost: int
    stuck_days: int
    stuck_lead_ids: list[int]
    by_source: dict[str, int]
    by_referrer: dict[str, int]
    currency: str
    # What the open leads (before CONTRACT) are expected to be worth: per currency, and converted.
    open_value: MoneyTotal | None = None
    missing_rates: list[str] = []


class RevenueStats(BaseModel):
    """Totals in the agency's currency (`currency`), None where an invoice's currency has no rate:
    `by_currency` always has each currency's own figures. `by_source` and `by_month` count the
    invoices that convert; `missing_rates` names the currencies left out."""

    currency: str
    period: str
    invoiced: DecimalStr | None
    paid: DecimalStr | None
    outstanding: DecimalStr | None
    by_source: dict[str, DecimalStr]
    by_month: dict[str, DecimalStr]
    by_currency: dict[str, dict[str, DecimalStr]] = {}
    missing_rates: list[str] = []


async def get_pipeline_metrics(ctx: OperationContext) -> PipelineMetrics:
    """Pipeline figures; cached 5 minutes, invalidated by every change."""
    ctx.check_policy("get_pipeline_metrics")

    async def compute() -> dict[str, object]:
        return (await compute_pipeline_metrics(ctx)).model_dump(mode="json")

    return PipelineMetrics.model_validate(
        await cached(ctx.services.cache, "pipeline:", "metrics", TTL_PIPELINE, compute))


async def compute_pipeline_metrics(ctx: OperationContext) -> PipelineMetrics:
    s = ctx.session
    stuck_before = utcnow() - timedelta(days=ctx.settings.stuck_days)
    open_stages = [st.value for st in OPEN]

    # One scan of the leads gives counts, value, stuck, sources and how far each got.
    # A lead is worth its value estimate (the budget until a proposal prices it), in its own currency.
    worth = func.coalesce(Lead.value_estimate, Lead.budget)
    rows = (await s.execute(
        select(Lead.stage, Lead.source, Lead.furthest_rank, Lead.currency, func.count(), func.coalesce(func.sum(worth), 0),
               func.sum(case((Lead.stage_changed_at < stuck_before, 1), else_=0)))
        .group_by(Lead.stage, Lead.source, Lead.furthest_rank, Lead.currency)
    )).all()
    rates = await rates_for(ctx)
    count: dict[str, int] = defaultdict(int)
    value: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    stuck_by_stage: dict[str, int] = defaultdict(int)
    by_source: dict[str, int] = defaultdict(int)
    at_rank: dict[int, int] = defaultdict(int)
    for stage, source, rank, currency, n, total, stuck in rows:
        count[stage] += int(n)
        if Decimal(total):
            value[stage][currency] += Decimal(total)
        by_source[source] += int(n)
        at_rank[int(rank or 0)] += int(n)
        if stage in open_stages:
            stuck_by_stage[stage] += int(stuck or 0)
    reached = [sum(n for r, n in at_rank.items() if r >= i) for i in range(len(ORDER))]
    conversion = [
        Conversion(from_stage=ORDER[i].value, to_stage=ORDER[i + 1].value, reached_from=reached[i],
                   reached_to=reached[i + 1], rate=round(reached[i + 1] / reached[i], 4) if reached[i] else None)
        for i in range(len(ORDER) - 1)
    ]

    # Completed stays only: `left_at` is set on a history row when the lead moves on.
    if ctx.services.dialect == "postgresql":
        days = func.extract("epoch", LeadStageHistory.left_at - LeadStageHistory.at) / 86400.0
    else:
        days = func.julianday(LeadStageHistory.left_at) - func.julianday(LeadStageHistory.at)
    avg_days = {st: round(float(v), 2) for st, v in (await s.execute(
        select(LeadStageHistory.to_stage, func.avg(days)).where(LeadStageHistory.left_at.is_not(None))
        .group_by(LeadStageHistory.to_stage))).all() if v is not None}

    stuck_ids = (await s.execute(
        select(Lead.id).where(Lead.stage.in_(open_stages), Lead.stage_changed_at < stuck_before)
        .order_by(Lead.stage_changed_at).limit(50)
    )).scalars().all()
    by_referrer = {r[0]: int(r[1]) for r in (await s.execute(
        select(Lead.referrer, func.count()).where(Lead.referrer.is_not(None)).group_by(Lead.referrer))).all()}

    won = sum(count.get(st, 0) for st in WON)
    lost = count.get(Stage.LOST.value, 0)
    stage_totals = {st.value: total_of(dict(value.get(st.value, {})), rates) for st in [*ORDER, Stage.LOST]}
    stages = [
        StageFigures(stage=st.value, count=count.get(st.value, 0), value=stage_totals[st.value].total,
                     values=stage_totals[st.value].by_currency, avg_days=avg_days.get(st.value),
                     stuck=stuck_by_stage.get(st.value, 0))
        for st in [*ORDER, Stage.LOST]
    ]
    open_per: dict[str, Decimal] = defaultdict(Decimal)
    for st in open_stages:
        for cur, v in value.get(st, {}).items():
            open_per[cur] += v
    open_value = total_of(dict(open_per), rates)
    missing = sorted({c for t in stage_totals.values() for c in t.missing_rates})
    return PipelineMetrics(
        total_leads=sum(count.values()), stages=stages, conversion=conversion,
        win_rate=round(won / (won + lost), 4) if won + lost else None, won=won, lost=lost,
        stuck_days=ctx.settings.stuck_days, stuck_lead_ids=list(stuck_ids), by_source=dict(by_source),
        by_referrer=by_referrer, currency=rates.base, open_value=open_value, missing_rates=missing,
    )


_PERIODS = {"month": 31, "quarter": 92, "year": 366, "all": None}


async def get_revenue_stats(ctx: OperationContext, period: str = "all") -> RevenueStats:
    """Invoiced, paid and outstanding totals; paid revenue per lead source and per month (cached 5 min)."""
    ctx.check_policy("get_revenue_stats")
    period = (period or "all").lower()
    if period not in _PERIODS:
        raise InvalidInput(f"Unknown period {period!r}; use one of {', '.join(_PERIODS)}.", field="period")

    async def compute() -> dict[str, object]:
        return (await compute_revenue_stats(ctx, period)).model_dump(mode="json")

    return RevenueStats.model_validate(await cached(ctx.services.cache, "revenue:", period, TTL_PIPELINE, compute))


async def compute_revenue_stats(ctx: OperationContext, period: str) -> RevenueStats:
    s = ctx.session
    days = _PERIODS[period]
    since = utcnow() - timedelta(days=days) if days else None
    rates = await rates_for(ctx)
    base = select(Invoice.currency, Invoice.status, func.coalesce(func.sum(Invoice.amount), 0)) \
        .where(Invoice.status != InvoiceStatus.VOID)
    if since:
        base = base.where(Invoice.issued_at >= since)
    invoiced: dict[str, Decimal] = defaultdict(Decimal)
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for currency, status, amount in (await s.execute(base.group_by(Invoice.currency, Invoice.status))).all():
        invoiced[currency] += Decimal(amount)
        if status == InvoiceStatus.PAID:
            paid[currency] += Decimal(amount)
    by_currency = {c: {"invoiced": cents(invoiced[c]), "paid": cents(paid[c]), "outstanding": cents(invoiced[c] - paid[c])}
                   for c in sorted(invoiced)}
    inv_total, paid_total = total_of(dict(invoiced), rates), total_of(dict(paid), rates)

    paid_q = select(Lead.source, Invoice.currency, func.coalesce(func.sum(Invoice.amount), 0)).select_from(Invoice) \
        .join(Project, Invoice.project_id == Project.id).join(Lead, Project.lead_id == Lead.id, isouter=True) \
        .where(Invoice.status == InvoiceStatus.PAID)
    if since:
        paid_q = paid_q.where(Invoice.paid_at >= since)
    by_source = _converted(((src or "unknown", cur, v) for src, cur, v in
                            (await s.execute(paid_q.group_by(Lead.source, Invoice.currency))).all()), rates)

    if ctx.services.dialect == "postgresql":
        month = func.to_char(func.timezone("UTC", Invoice.paid_at), "YYYY-MM")
    else:
        month = func.strftime("%Y-%m", Invoice.paid_at)
    month_q = select(month, Invoice.currency, func.sum(Invoice.amount)) \
        .where(Invoice.status == InvoiceStatus.PAID, Invoice.paid_at.is_not(None))
    if since:
        month_q = month_q.where(Invoice.paid_at >= since)
    by_month = _converted((await s.execute(month_q.group_by(month, Invoice.currency).order_by(month))).all(), rates)
    outstanding = None if inv_total.total is None or paid_total.total is None else \
        cents(inv_total.total - paid_total.total)
    return RevenueStats(currency=rates.base, period=period, invoiced=inv_total.total, paid=paid_total.total,
                        outstanding=outstanding, by_source=by_source, by_month=by_month, by_currency=by_currency,
                        missing_rates=inv_total.missing_rates)


def _converted(rows: Any, rates: Rates) -> dict[str, Decimal]:
    """(key, currency, amount) rows summed per key in the agency's currency; currencies without a
    rate are left out (the caller reports them in `missing_rates`)."""
    out: dict[str, Decimal] = {}
    for key, currency, amount in rows:
        converted = rates.to_base(Decimal(amount), currency)
        if converted is not None:
            out[key] = out.get(key, Decimal(0)) + converted
    return {k: cents(v) for k, v in out.items()}


__all__ = ["get_pipeline_metrics", "get_revenue_stats", "RANK"]
