"""The daily sweep of overdue invoices: each gets one reminder a day, and the team a summary."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from engine.billing.notify import tell_team_after_commit
from engine.billing.schemas import ReminderReport
from engine.context import OperationContext
from engine.hunter.detectors.markup import escape_mrkdwn
from engine.statuses import PAYABLE, InvoiceStatus
from storage.models import Client, Invoice
from storage.types import utcnow


async def remind_overdue_invoices(ctx: OperationContext) -> ReminderReport:
    """Mark unpaid invoices past due as overdue and remind the team; running twice a day reminds once."""
    ctx.check_policy("remind_overdue_invoices")
    now = utcnow()
    today = now.date().isoformat()
    stmt = (select(Invoice, Client).join(Client, Invoice.client_id == Client.id)
            .where(Invoice.status.in_(PAYABLE), Invoice.due_at < now).order_by(Invoice.due_at))
    if ctx.services.dialect == "postgresql":
        stmt = stmt.with_for_update(of=Invoice)
    rows = (await ctx.session.execute(stmt)).all()
    reminded: list[str] = []
    total = Decimal(0)
    for invoice, client in rows:
        total += invoice.amount
        if invoice.status != InvoiceStatus.PAYMENT_FAILED:
            invoice.status = InvoiceStatus.OVERDUE
        if (invoice.metadata_ or {}).get("last_reminded_on") == today:
            continue
        days = (now - invoice.due_at).days if invoice.due_at else 0
        invoice.metadata_ = {**(invoice.metadata_ or {}), "last_reminded_on": today,
                             "reminders": int((invoice.metadata_ or {}).get("reminders", 0)) + 1}
        reminded.append(invoice.invoice_number)
        tell_team_after_commit(
            ctx, f"Overdue: {invoice.invoice_number} to {escape_mrkdwn(client.name)} ({invoice.amount} {invoice.currency}), "
                 f"{days} day(s) late. Pay link: {invoice.payment_link or '-'}",
            key=f"invoice-overdue:{invoice.id}:{today}",
        )
    await ctx.session.flush()
    currency = ctx.settings.currency
    if reminded:
        tell_team_after_commit(
            ctx, f"Overdue invoices today: {len(rows)}, {total} outstanding; reminded: {', '.join(reminded)}.",
            key=f"overdue-summary:{today}")
        ctx.audit("invoices.overdue_reminded", "invoices", invoices=reminded, overdue=len(rows), outstanding=total)
    return ReminderReport(overdue=len(rows), reminded=reminded, outstanding=total, currency=currency)
