"""Settling invoices: the single path by which an invoice becomes paid, whoever reports it.

A Stripe `invoice.paid`, finance marking a bank transfer, or both at once end the same
way: the invoice's row is locked and only the first report finds it unpaid, so the
client's lifetime value, the project count, the lead's move to PAID and the team's
message happen exactly once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select, update

from engine.billing.invoices import invoice_view, load_invoice
from engine.billing.notify import tell_team_after_commit
from engine.billing.providers import payment_provider
from engine.billing.schemas import InvoiceView, MarkPaidInput, SettleResult
from engine.context import OperationContext
from engine.errors import Conflict, InvalidInput
from engine.fx import check_amount_conditions, rates_for
from engine.hunter.detectors.markup import escape_mrkdwn
from engine.pipeline.leads import load_lead
from engine.pipeline.moves import set_stage
from engine.pipeline.stages import Stage
from engine.projects import load_project
from engine.statuses import PAYABLE, InvoiceStatus
from storage.models import Client, Invoice, Project
from storage.types import utcnow


async def settle_invoice(ctx: OperationContext, invoice_id: int, *, transaction_id: str | None,
                         paid_at: datetime | None = None, method: str | None = None,
                         source: str) -> SettleResult:
    """Mark the invoice paid if it is not yet; apply the consequences once. Safe to call again."""
    s = ctx.session
    invoice = await load_invoice(s, invoice_id)
    # Lock order everywhere: project, then invoice.
    project = await load_project(s, invoice.project_id, lock=True)
    invoice = await load_invoice(s, invoice_id, for_update=True)
    if invoice.status == InvoiceStatus.PAID:
        return _result(invoice, newly_paid=False)
    if invoice.status == InvoiceStatus.VOID:
        raise Conflict(f"Invoice {invoice.invoice_number} is void and cannot be paid.", invoice_id=invoice_id)
    paid_at = paid_at or utcnow()
    invoice.status = InvoiceStatus.PAID
    invoice.paid_at = paid_at
    invoice.transaction_id = transaction_id
    if method:
        invoice.payment_method = method
    # A relative UPDATE: another project of the same client may be settling at the same time.
    counted = await lifetime_amount(ctx, invoice)
    if counted:
        await s.execute(update(Client).where(Client.id == invoice.client_id)
                        .values(lifetime_value=Client.lifetime_value + counted))
    await s.flush()
    fully_paid = await _paid_total(ctx, project.id) >= Decimal(project.price or 0) > 0
    ctx.audit("invoice.paid", f"invoice:{invoice.id}", invoice_number=invoice.invoice_number,
              amount=invoice.amount, currency=invoice.currency, transaction_id=transaction_id, source=source,
              project_fully_paid=fully_paid)
    ctx.emit("invoice.paid", invoice_id=invoice.id, invoice_number=invoice.invoice_number,
             project_id=project.id, client_id=invoice.client_id, amount=invoice.amount, currency=invoice.currency)
    if fully_paid:
        await _project_paid_in_full(ctx, project, invoice.client_id)
    tell_team_after_commit(
        ctx, f"Payment received: {invoice.invoice_number}, {invoice.amount} {invoice.currency} "
             f"for “{escape_mrkdwn(project.title)}” ({source}, ref {escape_mrkdwn(transaction_id or '-')})"
             + (". The project is now paid in full." if fully_paid else "."),
        key=f"invoice-paid:{invoice.id}",
    )
    return _result(invoice, newly_paid=True, fully_paid=fully_paid)


async def lifetime_amount(ctx: OperationContext, invoice: Invoice) -> Decimal:
    """What a paid invoice adds to its client's lifetime value, in the client's currency: the
    amount, or converted at the rate set today (kept on the invoice, so the sum can be checked);
    nothing without a rate (the invoice says so, and the revenue reports count it per currency)."""
    client_currency = (await ctx.session.execute(
        select(Client.currency).where(Client.id == invoice.client_id))).scalar_one()
    if client_currency == invoice.currency:
        return invoice.amount
    converted = (await rates_for(ctx)).convert(invoice.amount, invoice.currency, client_currency)
    invoice.metadata_ = {**(invoice.metadata_ or {}), "lifetime_value": {
        "currency": client_currency, "amount": str(converted) if converted is not None else None}}
    return converted or Decimal(0)


async def _paid_total(ctx: OperationContext, project_id: int) -> Decimal:
    total = (await ctx.session.execute(
        select(func.coalesce(func.sum(Invoice.amount), 0))
        .where(Invoice.project_id == project_id, Invoice.status == InvoiceStatus.PAID)
    )).scalar_one()
    return Decimal(total)


async def _project_paid_in_full(ctx: OperationContext, project: Project, client_id: int) -> None:
    """Runs once per project: only the settlement that completes the price gets here."""
    s = ctx.session
    if (project.metadata_ or {}).get("paid_in_full_at"):
        return
    project.metadata_ = {**(project.metadata_ or {}), "paid_in_full_at": utcnow().isoformat()}
    await s.execute(update(Client).where(Client.id == client_id)
                    .values(project_count=Client.project_count + 1))
    await s.flush()
    ctx.audit("project.paid_in_full", f"project:{project.id}", price=project.price, currency=project.currency)
    if project.lead_id is None:
        return
    lead = await load_lead(s, project.lead_id, for_update=True)
    if lead.stage == Stage.DELIVERED.value:
        await set_stage(ctx, lead, Stage.PAID, f"project #{project.id} paid in full")
    elif lead.stage not in (Stage.PAID.value, Stage.REPEAT.value):
        # Paid before delivery (e.g. up-front milestones): the payment stands; the lead
        # moves to PAID when someone delivers it and sees the project is paid in full.
        ctx.audit("lead.paid_before_delivered", f"lead:{lead.id}", stage=lead.stage, project_id=project.id)


def _result(invoice: Invoice, *, newly_paid: bool, fully_paid: bool = False) -> SettleResult:
    return SettleResult(invoice_id=invoice.id, invoice_number=invoice.invoice_number, status=invoice.status,
                        paid_at=invoice.paid_at, transaction_id=invoice.transaction_id, newly_paid=newly_paid,
                        project_fully_paid=fully_paid)


async def mark_invoice_paid(ctx: OperationContext, invoice_id: int, body: MarkPaidInput) -> InvoiceView:
    """Finance confirms a payment (a bank transfer, usually) with its reference. Idempotent."""
    ctx.check_policy("mark_invoice_paid")
    paid_at = body.paid_at
    if paid_at is not None:
        paid_at = paid_at.replace(tzinfo=UTC) if paid_at.tzinfo is None else paid_at
        if paid_at > utcnow():
            raise InvalidInput("paid_at is in the future.", field="paid_at")
    invoice = await load_invoice(ctx.session, invoice_id)
    await check_amount_conditions(ctx, "mark_invoice_paid", invoice.amount, invoice.currency)
    result = await settle_invoice(ctx, invoice_id, transaction_id=body.reference, paid_at=paid_at,
                                  method=invoice.payment_method or "bank_transfer", source=f"marked by {ctx.actor.label}")
    invoice = await load_invoice(ctx.session, result.invoice_id)
    if result.newly_paid and invoice.payment_method == "stripe" and invoice.provider_invoice_id:
        _close_at_provider_after_commit(ctx, invoice.provider_invoice_id, invoice.idempotency_key or invoice.invoice_number)
    return await invoice_view(ctx.session, invoice)


def _close_at_provider_after_commit(ctx: OperationContext, provider_invoice_id: str, key: str) -> None:
    """Paid by bank transfer though issued through Stripe: tell Stripe, or it keeps chasing the client.

    After commit and idempotent by key; if Stripe is unreachable the failure is logged and
    the invoice can be closed in Stripe's dashboard (our record is already right).
    """
    provider = payment_provider(ctx.services)

    async def close() -> None:
        await provider.mark_paid_out_of_band(provider_invoice_id, key)

    ctx.after_commit(close)


async def record_payment_failure(ctx: OperationContext, invoice: Invoice, reason: str, event_id: str) -> bool:
    """A failed attempt: alert the team, unless the invoice is paid already (a late, stale event)."""
    invoice = await load_invoice(ctx.session, invoice.id, for_update=True)
    if invoice.status not in PAYABLE:
        ctx.audit("invoice.payment_failed_ignored", f"invoice:{invoice.id}", status=invoice.status, event=event_id)
        return False
    invoice.status = InvoiceStatus.PAYMENT_FAILED
    invoice.metadata_ = {**(invoice.metadata_ or {}), "last_payment_error": reason[:500],
                         "last_payment_error_at": utcnow().isoformat()}
    await ctx.session.flush()
    ctx.audit("invoice.payment_failed", f"invoice:{invoice.id}", reason=reason[:500], event=event_id)
    ctx.emit("invoice.payment_failed", invoice_id=invoice.id, invoice_number=invoice.invoice_number)
    tell_team_after_commit(
        ctx, f":warning: Payment failed for {invoice.invoice_number} ({invoice.amount} {invoice.currency}): {reason}",
        key=f"invoice-failed:{invoice.id}:{event_id}",
    )
    return True
