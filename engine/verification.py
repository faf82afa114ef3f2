"""`verify_invariants`: the data's invariants, each reported ok or with its offending rows.

Checks: the audit chain; invoices never exceed their project's price; paid invoices per
client add up to its lifetime value; each lead's stage is its last stage-history entry;
no project delivered over the vote threshold without an approving vote; no survey
answered again outside its update window.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from engine.audit import verify_audit_chain
from engine.context import OperationContext
from engine.fx import load_rates, over_threshold
from engine.parliament.schemas import SUBJECT_PROJECT_DELIVERY
from engine.statuses import InvoiceStatus, ProjectStatus
from storage.models import Client, Invoice, Lead, LeadStageHistory, NpsSurvey, Project, VoteSession

MAX_ROWS = 50  # offending rows listed per check


class CheckResult(BaseModel):
    name: str
    status: str = Field(description="ok, failed or not_applicable")
    detail: str = ""
    rows: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status != "failed"


class VerificationReport(BaseModel):
    ok: bool
    checks: list[CheckResult]

    @property
    def failed(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.ok]


def _result(name: str, rows: list[dict[str, Any]], ok_detail: str, bad_detail: str) -> CheckResult:
    if rows:
        return CheckResult(name=name, status="failed", detail=bad_detail.format(n=len(rows)), rows=rows[:MAX_ROWS])
    return CheckResult(name=name, status="ok", detail=ok_detail)


async def check_audit_chain(session: AsyncSession) -> CheckResult:
    report = await verify_audit_chain(session)
    if report.ok:
        return CheckResult(name="audit_chain", status="ok", detail=f"{report.entries} entries")
    return CheckResult(name="audit_chain", status="failed", detail=report.problem or "broken",
                       rows=[{"seq": report.first_broken_seq, "problem": report.problem}])


async def check_invoices_within_price(session: AsyncSession) -> CheckResult:
    invoiced = func.coalesce(func.sum(Invoice.amount), 0)
    stmt = (
        select(Project.id, Project.price, invoiced, func.count(Invoice.id))
        .join(Invoice, Invoice.project_id == Project.id)
        .where(Invoice.status != InvoiceStatus.VOID)
        .group_by(Project.id, Project.price)
    )
    rows = []
    for pid, price, total, n in (await session.execute(stmt)).all():
        total = Decimal(total)
        if price is None or total > price:
            rows.append({"project_id": pid, "price": str(price) if price is not None else None,
                         "invoiced": str(total), "invoices": n})
    negative = (await session.execute(select(Invoice.id, Invoice.amount).where(Invoice.amount <= 0))).all()
    rows += [{"invoice_id": iid, "amount": str(amount), "problem": "amount is not positive"} for iid, amount in negative]
    return _result("invoices_within_price", rows, "every project's invoices fit within its price",
                   "{n} project(s) invoiced beyond their price")


async def check_lifetime_values(session: AsyncSession) -> CheckResult:
    """A client's lifetime value is its paid invoices: those in its currency as they are, the
    others as converted when paid (kept on the invoice; nothing when no rate converted them)."""
    paid = (
        select(Invoice.client_id, func.sum(Invoice.amount).label("paid"))
        .join(Client, Client.id == Invoice.client_id)
        .where(Invoice.status == InvoiceStatus.PAID, Invoice.currency == Client.currency).group_by(Invoice.client_id).subquery()
    )
    stmt = (
        select(Client.id, Client.lifetime_value, func.coalesce(paid.c.paid, 0))
        .outerjoin(paid, paid.c.client_id == Client.id)
    )
    converted: dict[int, Decimal] = {}
    for cid, meta in (await session.execute(
            select(Invoice.client_id, Invoice.metadata_).join(Client, Client.id == Invoice.client_id)
            .where(Invoice.status == InvoiceStatus.PAID, Invoice.currency != Client.currency))).all():
        counted = ((meta or {}).get("lifetime_value") or {}).get("amount")
        converted[cid] = converted.get(cid, Decimal(0)) + Decimal(counted or 0)
    rows = [
        {"client_id": cid, "lifetime_value": str(ltv), "paid_invoices": str(Decimal(p) + converted.get(cid, 0))}
        for cid, ltv, p in (await session.execute(stmt)).all()
        if Decimal(ltv or 0) != Decimal(p) + converted.get(cid, Decimal(0))
    ]
    return _result("lifetime_value_matches_paid_invoices", rows, "every client's lifetime value = its paid invoices",
                   "{n} client(s) whose lifetime value differs from their paid invoices")


async def check_lead_stages(session: AsyncSession) -> CheckResult:
    last = select(LeadStageHistory.lead_id, func.max(LeadStageHistory.id).label("hid")) \
        .group_by(LeadStageHistory.lead_id).subquery()
    stmt = (
        select(Lead.id, Lead.stage, LeadStageHistory.to_stage)
        .outerjoin(last, last.c.lead_id == Lead.id)
        .outerjoin(LeadStageHistory, LeadStageHistory.id == last.c.hid)
        .where(LeadStageHistory.to_stage.is_(None) | (LeadStageHistory.to_stage != Lead.stage))
    )
    rows = [{"lead_id": lid, "stage": stage, "last_history": hist}
            for lid, stage, hist in (await session.execute(stmt.limit(MAX_ROWS * 4))).all()]
    return _result("lead_stage_matches_history", rows, "every lead's stage is its last history entry",
                   "{n} lead(s) whose stage differs from their history")


async def check_delivered_projects_voted(session: AsyncSession, threshold: Decimal,
                                         currency: str = "USD") -> CheckResult:
    """Every project delivered (or later) whose price is over the threshold (in `currency`, the
    agency's; other currencies at the set rate, and without one a vote was needed) had an approved vote."""
    approved = select(VoteSession.subject_id).where(
        VoteSession.subject_type == SUBJECT_PROJECT_DELIVERY, VoteSession.status == "approved")
    amount = func.coalesce(Project.price, Project.budget, 0)
    rates = await load_rates(session, currency.upper())
    candidates = (await session.execute(
        select(Project.id, amount, Project.currency, Project.status)
        .where(Project.status == ProjectStatus.DELIVERED, amount > 0, Project.id.not_in(approved))
        .order_by(Project.id))).all()
    rows = [{"project_id": pid, "price": str(price), "currency": cur, "status": st}
            for pid, price, cur, st in candidates
            if over_threshold(Decimal(price), cur, threshold, rates) is not False][:MAX_ROWS]
    return _result("delivered_projects_have_votes", rows,
                   f"every delivered project over {threshold} had an approving vote",
                   "{n} project(s) delivered over the threshold without an approving vote")


async def check_surveys_answered_once(session: AsyncSession, update_days: int) -> CheckResult:
    """A survey is answered once; changes through the same link only within the update window."""
    window = timedelta(days=update_days)

    rows = []
    for sid, answered_at, meta, count in (await session.execute(
            select(NpsSurvey.id, NpsSurvey.answered_at, NpsSurvey.metadata_, NpsSurvey.update_count)
            .where(NpsSurvey.update_count > 0))).all():
        last = (meta or {}).get("last_answered_at")
        if answered_at is None or not last:
            rows.append({"survey_id": sid, "problem": "updated but never answered"})
            continue
        if datetime.fromisoformat(last) - answered_at > window:
            rows.append({"survey_id": sid, "problem": f"changed {count} time(s), last after the update window"})
    return _result("surveys_answered_once", rows[:MAX_ROWS], "no survey answered twice outside the rules",
                   "{n} survey(s) answered again outside the rules")


async def run_checks(session: AsyncSession, *, parliament_threshold: Decimal,
                     update_days: int = 7, currency: str = "USD") -> VerificationReport:
    checks = [
        await check_invoices_within_price(session),
        await check_lifetime_values(session),
        await check_lead_stages(session),
        await check_delivered_projects_voted(session, parliament_threshold, currency),
        await check_surveys_answered_once(session, update_days),
        await check_audit_chain(session),  # last: it expunges the session in batches
    ]
    return VerificationReport(ok=all(c.ok for c in checks), checks=checks)


async def verify_invariants(ctx: OperationContext) -> VerificationReport:
    """Check every invariant; audited with the names of the failed checks."""
    ctx.check_policy("verify")
    report = await run_checks(ctx.session, parliament_threshold=ctx.settings.parliament_threshold,
                              update_days=ctx.settings.nps_update_days, currency=ctx.settings.currency)
    ctx.audit("integrity.verified", None, ok=report.ok, failed=[c.name for c in report.failed])
    return report


def render(report: VerificationReport) -> list[str]:
    """Lines for a terminal or a Slack alert."""
    lines = []
    for c in report.checks:
        mark = {"ok": "ok", "failed": "FAILED", "not_applicable": "not applicable"}[c.status]
        lines.append(f"{mark:<15} {c.name}: {c.detail}")
        for row in c.rows:
            lines.append("                  " + ", ".join(f"{k}={v}" for k, v in row.items()))
    return lines
