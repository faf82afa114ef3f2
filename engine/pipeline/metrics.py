"""Pipeline and revenue figures, computed in SQL (a handful of GROUP BY queries)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import case, func, select

from engine.cache import TTL_PIPELINE, cached
from engine.context import OperationContext
from engine.errors import InvalidInput
from engine.governance.policies import check_policy
from engine.money import cents
from engine.pipeline.schemas import DecimalStr
from engine.pipeline.stages import OPEN, ORDER, RANK, WON, Stage
from engine.statuses import InvoiceStatus
from storage.models import Invoice, Lead, LeadStageHistory, Project
from storage.types import utcnow


class StageFigures(BaseModel):
    stage: str
    count: int
    value: DecimalStr
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


class RevenueStats(BaseModel):
    currency: str
    period: str
    invoiced: DecimalStr
    paid: DecimalStr
    outstanding: DecimalStr
    by_source: dict[str, DecimalStr]
    by_month: dict[str, DecimalStr]


async def get_pipeline_metrics(ctx: OperationContext) -> PipelineMetrics:
    """Pipeline figures; cached 5 minutes, invalidated by every change."""
    check_policy("get_pipeline_metrics", ctx.actor)

    async def compute() -> dict[str, object]:
        return (await compute_pipeline_metrics(ctx)).model_dump(mode="json")

    return PipelineMetrics.model_validate(
        await cached(ctx.services.cache, "pipeline:", "metrics", TTL_PIPELINE, compute))


async def compute_pipeline_metrics(ctx: OperationContext) -> PipelineMetrics:
    s = ctx.session
    stuck_before = utcnow() - timedelta(days=ctx.settings.stuck_days)
    open_stages = [st.value for st in OPEN]

    # One scan of the leads gives counts, value, stuck, sources and how far each got.
    rows = (await s.execute(
        select(Lead.stage, Lead.source, Lead.furthest_rank, func.count(), func.coalesce(func.sum(Lead.budget), 0),
               func.sum(case((Lead.stage_changed_at < stuck_before, 1), else_=0)))
        .group_by(Lead.stage, Lead.source, Lead.furthest_rank)
    )).all()
    count: dict[str, int] = defaultdict(int)
    value: dict[str, Decimal] = defaultdict(Decimal)
    stuck_by_stage: dict[str, int] = defaultdict(int)
    by_source: dict[str, int] = defaultdict(int)
    at_rank: dict[int, int] = defaultdict(int)
    for stage, source, rank, n, total, stuck in rows:
        count[stage] += int(n)
        value[stage] += Decimal(total)
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
    stages = [
        StageFigures(stage=st.value, count=count.get(st.value, 0), value=cents(value.get(st.value, Decimal(0))),
                     avg_days=avg_days.get(st.value), stuck=stuck_by_stage.get(st.value, 0))
        for st in [*ORDER, Stage.LOST]
    ]
    return PipelineMetrics(
        total_leads=sum(count.values()), stages=stages, conversion=conversion,
        win_rate=round(won / (won + lost), 4) if won + lost else None, won=won, lost=lost,
        stuck_days=ctx.settings.stuck_days, stuck_lead_ids=list(stuck_ids), by_source=dict(by_source),
        by_referrer=by_referrer, currency=ctx.settings.currency,
    )


_PERIODS = {"month": 31, "quarter": 92, "year": 366, "all": None}


async def get_revenue_stats(ctx: OperationContext, period: str = "all") -> RevenueStats:
    """Invoiced, paid and outstanding totals; paid revenue per lead source and per month (cached 5 min)."""
    check_policy("get_revenue_stats", ctx.actor)
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
    base = select(Invoice.status, func.coalesce(func.sum(Invoice.amount), 0)).where(Invoice.status != InvoiceStatus.VOID)
    if since:
        base = base.where(Invoice.issued_at >= since)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for status, amount in (await s.execute(base.group_by(Invoice.status))).all():
        totals[status] += Decimal(amount)
    invoiced = sum(totals.values(), Decimal(0))
    paid = totals.get("paid", Decimal(0))

    paid_q = select(Lead.source, func.coalesce(func.sum(Invoice.amount), 0)).select_from(Invoice) \
        .join(Project, Invoice.project_id == Project.id).join(Lead, Project.lead_id == Lead.id, isouter=True) \
        .where(Invoice.status == InvoiceStatus.PAID)
    if since:
        paid_q = paid_q.where(Invoice.paid_at >= since)
    by_source = {(src or "unknown"): cents(Decimal(v)) for src, v in (await s.execute(paid_q.group_by(Lead.source))).all()}

    if ctx.services.dialect == "postgresql":
        month = func.to_char(func.timezone("UTC", Invoice.paid_at), "YYYY-MM")
    else:
        month = func.strftime("%Y-%m", Invoice.paid_at)
    month_q = select(month, func.sum(Invoice.amount)).where(Invoice.status == InvoiceStatus.PAID, Invoice.paid_at.is_not(None))
    if since:
        month_q = month_q.where(Invoice.paid_at >= since)
    by_month = {m: cents(Decimal(v)) for m, v in (await s.execute(month_q.group_by(month).order_by(month))).all()}
    return RevenueStats(currency=ctx.settings.currency, period=period, invoiced=cents(invoiced), paid=cents(paid),
                        outstanding=cents(invoiced - paid), by_source=by_source, by_month=by_month)


__all__ = ["get_pipeline_metrics", "get_revenue_stats", "RANK"]
