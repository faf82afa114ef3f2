"""Alerts: conditions checked on a schedule, each posted once when it starts and once when it ends.

Checks: qualification rate below a floor, leads stuck in a stage, payment failures,
an NPS drop between two windows, and an error rate above a ceiling. A check whose
data does not exist yet (no surveys table, no error source) is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from pydantic import BaseModel
from sqlalchemy import case, func, inspect, select, text

from engine.context import OperationContext
from engine.pipeline.stages import OPEN, RANK, Stage
from engine.statuses import InvoiceStatus
from storage.models import Alert, Invoice, Lead
from storage.types import utcnow


@dataclass(frozen=True)
class Condition:
    key: str
    kind: str
    message: str


class AlertRun(BaseModel):
    opened: list[str]
    cleared: list[str]
    open: list[str]


async def _qualification_rate(ctx: OperationContext) -> list[Condition]:
    s = ctx.settings
    since = utcnow() - timedelta(days=s.alert_window_days)
    total, qualified = (await ctx.session.execute(
        select(func.count(), func.coalesce(func.sum(
            case((Lead.furthest_rank >= RANK[Stage.QUALIFIED.value], 1), else_=0)), 0)).where(Lead.created_at >= since)
    )).one()
    if total < s.alert_min_leads:
        return []
    rate = qualified / total
    if rate >= s.alert_min_qualification_rate:
        return []
    return [Condition("qualification_rate", "qualification_rate",
                      f"Only {rate:.0%} of the {total} leads of the last {s.alert_window_days} days were qualified "
                      f"(alert below {s.alert_min_qualification_rate:.0%}).")]


async def _stuck(ctx: OperationContext) -> list[Condition]:
    before = utcnow() - timedelta(days=ctx.settings.stuck_days)
    rows = (await ctx.session.execute(
        select(Lead.stage, func.count()).where(Lead.stage.in_([s.value for s in OPEN]), Lead.stage_changed_at < before)
        .group_by(Lead.stage))).all()
    return [Condition(f"stuck:{stage}", "stuck",
                      f"{n} lead{'s' if n != 1 else ''} stuck in {stage} for more than {ctx.settings.stuck_days} days.")
            for stage, n in rows if n]


async def _payment_failures(ctx: OperationContext) -> list[Condition]:
    rows = (await ctx.session.execute(
        select(Invoice.id, Invoice.invoice_number, Invoice.amount, Invoice.currency)
        .where(Invoice.status == InvoiceStatus.PAYMENT_FAILED))).all()
    return [Condition(f"payment_failed:{i}", "payment_failed",
                      f"Payment failed for invoice {num} ({cur} {amt}).") for i, num, amt, cur in rows]


async def _nps_drop(ctx: OperationContext) -> list[Condition]:
    def has_surveys(conn: object) -> bool:
        return "nps_surveys" in inspect(conn).get_table_names()  # type: ignore[arg-type]

    if not await ctx.session.run_sync(lambda s: has_surveys(s.connection())):
        return []
    days = ctx.settings.alert_window_days
    now = utcnow()

    async def nps(start: object, end: object) -> tuple[float | None, int]:
        row = (await ctx.session.execute(text(
            "SELECT count(*), sum(CASE WHEN score >= 9 THEN 1 ELSE 0 END), sum(CASE WHEN score <= 6 THEN 1 ELSE 0 END) "
            "FROM nps_surveys WHERE score IS NOT NULL AND answered_at >= :a AND answered_at < :b"),
            {"a": start, "b": end})).one()
        n = int(row[0] or 0)
        return ((int(row[1] or 0) - int(row[2] or 0)) * 100 / n if n else None), n

    current, n1 = await nps(now - timedelta(days=days), now)
    previous, n2 = await nps(now - timedelta(days=2 * days), now - timedelta(days=days))
    if current is None or previous is None or min(n1, n2) < 3:
        return []
    if previous - current <= ctx.settings.alert_nps_drop:
        return []
    return [Condition("nps_drop", "nps_drop",
                      f"NPS fell from {previous:.0f} to {current:.0f} over the last {days} days.")]


async def _error_rate(ctx: OperationContext) -> list[Condition]:
    source = ctx.services.error_rate
    if source is None:
        return []
    rate = await source()
    if rate is None or rate <= ctx.settings.alert_max_error_rate:
        return []
    return [Condition("error_rate", "error_rate",
                      f"{rate:.1%} of requests failed recently (alert above {ctx.settings.alert_max_error_rate:.0%}).")]


CHECKS = [_qualification_rate, _stuck, _payment_failures, _nps_drop, _error_rate]


async def run_alert_checks(ctx: OperationContext) -> AlertRun:
    """Open alerts for new conditions, clear those that ended; post each change once."""
    ctx.check_policy("verify")
    now = utcnow()
    current: dict[str, Condition] = {}
    for check in CHECKS:
        for c in await check(ctx):
            current[c.key] = c
    open_rows = {a.key: a for a in (await ctx.session.execute(
        select(Alert).where(Alert.cleared_at.is_(None)))).scalars()}
    opened, cleared = [], []
    channel = ctx.settings.alerts_channel or None
    notifier = ctx.services.notifier
    for key, c in current.items():
        row = open_rows.get(key)
        if row is not None:
            row.last_seen_at, row.message = now, c.message
            continue
        row = Alert(key=key, kind=c.kind, message=c.message, opened_at=now, last_seen_at=now)
        ctx.session.add(row)
        await ctx.session.flush()
        opened.append(key)
        ctx.audit("alert.opened", f"alert:{row.id}", key=key, message=c.message)
        ctx.after_commit(partial(notifier.post, channel, f":rotating_light: {c.message}", key=f"alert:{row.id}:opened"))
    for key, row in open_rows.items():
        if key in current:
            continue
        row.cleared_at = now
        cleared.append(key)
        ctx.audit("alert.cleared", f"alert:{row.id}", key=key)
        ctx.after_commit(partial(notifier.post, channel, f":white_check_mark: Resolved: {row.message}",
                                 key=f"alert:{row.id}:cleared"))
    if opened or cleared:
        ctx.emit("alerts.changed", opened=opened, cleared=cleared)
    return AlertRun(opened=opened, cleared=cleared, open=sorted(current))
