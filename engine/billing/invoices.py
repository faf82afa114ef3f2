"""Issuing invoices: `collect_payment` and reading them back."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from engine.billing.amounts import milestone_amounts
from engine.billing.errors import (
    ExceedsProjectPrice,
    InvoiceNotFound,
    MilestoneNotFound,
    NothingToInvoice,
    ProjectHasNoPrice,
)
from engine.billing.providers import InvoiceRequest, payment_provider
from engine.billing.schemas import InvoiceView, PaymentResult
from engine.context import OperationContext
from engine.errors import Conflict, InvalidInput
from engine.fx import check_amount_conditions
from engine.mailing import email_client
from engine.pipeline.overrides import require_accepted_proposal
from engine.projects import load_project
from engine.statuses import InvoiceStatus
from storage.db import fetch_by_id, insert_ignore
from storage.models import Client, Invoice, Milestone
from storage.types import utcnow

NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone
NUMBER_ATTEMPTS = 8
# Invoices in these states count against the project's price.
NOT_COUNTED = (InvoiceStatus.VOID,)


def new_invoice_number(now: datetime) -> str:
    return f"INV-{now:%Y%m%d}-{''.join(secrets.choice(NUMBER_ALPHABET) for _ in range(6))}"


def invoice_key(project_id: int, milestone: int | None) -> str:
    """What makes two requests 'the same invoice': the project and the milestone (or the balance)."""
    return f"project:{project_id}:milestone:{milestone if milestone is not None else 'balance'}"


async def collect_payment(ctx: OperationContext, project_id: int, milestone: int | None = None,
                          override_reason: str | None = None) -> PaymentResult:
    """Invoice a project's milestone (by its number in the plan) or its remaining balance.

    Asking twice for the same thing returns the first invoice. The total invoiced never
    exceeds the project's price. The project needs a proposal its client accepted, unless an
    admin overrides with `override_reason` (audited); the amount, in the agency's currency at
    the rate in force, is checked against the policy's conditions (`collect_payment.max_amount`).
    """
    ctx.check_policy("collect_payment")
    if milestone is not None and milestone < 1:
        raise InvalidInput("milestone is the milestone's number in the plan, starting at 1.", field="milestone")
    s = ctx.session
    # Locking the project serialises invoicing per project, so the price check below holds.
    project = await load_project(s, project_id, lock=True)
    if project.price is None or project.price <= 0:
        raise ProjectHasNoPrice(project_id)
    require_accepted_proposal(ctx, "collect_payment", project, override_reason)
    key = invoice_key(project_id, milestone)
    existing = await invoice_by_key(s, key)
    if existing is not None:
        return payment_result(existing, already_existed=True)

    price = Decimal(project.price)
    remaining = price - await invoiced_total(s, project_id)
    milestone_row: Milestone | None = None
    if milestone is None:
        amount = remaining
    else:
        plan = (await s.execute(select(Milestone).where(Milestone.project_id == project_id))).scalars().all()
        milestone_row = next((m for m in plan if m.seq == milestone), None)
        if milestone_row is None:
            raise MilestoneNotFound(project_id, milestone)
        amount = milestone_amounts(price, plan)[milestone]
        if amount > remaining:
            raise ExceedsProjectPrice(
                f"Milestone {milestone} of project #{project_id} is {amount} {project.currency}, but only "
                f"{max(remaining, Decimal(0))} of the price is left to invoice.", field="milestone",
                amount=amount, remaining=remaining)
    if amount <= 0:
        raise NothingToInvoice(project_id)
    await check_amount_conditions(ctx, "collect_payment", amount, project.currency)

    client = await s.get(Client, project.client_id)
    assert client is not None  # foreign key
    now = utcnow()
    due_at = now + timedelta(days=ctx.settings.invoice_net_days)
    values = {
        "project_id": project_id, "client_id": client.id, "amount": amount, "currency": project.currency,
        "status": InvoiceStatus.ISSUED, "milestone_id": milestone_row.id if milestone_row else None, "idempotency_key": key,
        "issued_at": now, "due_at": due_at, "metadata": {}, "created_at": now, "updated_at": now,
    }
    invoice_id = await _insert_invoice(s, values, now)
    if invoice_id is None:  # the same request won a race (another replica, a double click)
        existing = await invoice_by_key(s, key)
        if existing is None:
            raise Conflict("The invoice could not be created; try again.")
        return payment_result(existing, already_existed=True)
    invoice = await s.get(Invoice, invoice_id)
    assert invoice is not None

    what = f"milestone {milestone}: {milestone_row.name}" if milestone_row else "balance"
    issued = await payment_provider(ctx.services).issue(InvoiceRequest(
        invoice_id=invoice.id, invoice_number=invoice.invoice_number, idempotency_key=key, amount=amount,
        currency=project.currency, description=f"{project.title} ({what})"[:500],
        days_until_due=ctx.settings.invoice_net_days, client_id=client.id, client_name=client.name,
        client_email=client.email, client_metadata=dict(client.metadata_ or {}), project_id=project_id,
    ))
    invoice.payment_method = issued.method
    invoice.payment_link = issued.payment_link
    invoice.provider_invoice_id = issued.provider_invoice_id
    if issued.client_metadata:
        client.metadata_ = {**(client.metadata_ or {}), **issued.client_metadata}
    await s.flush()
    ctx.audit("invoice.issued", f"invoice:{invoice.id}", invoice_number=invoice.invoice_number,
              project_id=project_id, milestone=milestone, amount=amount, currency=invoice.currency,
              due_at=due_at, provider=issued.method, provider_invoice_id=issued.provider_invoice_id)
    ctx.emit("invoice.issued", invoice_id=invoice.id, invoice_number=invoice.invoice_number,
             project_id=project_id, client_id=client.id, amount=amount, currency=invoice.currency,
             due_at=due_at)
    emailed = False
    if issued.method == "bank_transfer" and invoice.payment_link:
        # Stripe e-mails its own invoices; a manual one is e-mailed by us, with its pay page.
        emailed = await email_client(
            ctx, client, what=f"Invoice {invoice.invoice_number}",
            subject=f"Invoice {invoice.invoice_number}: {invoice.currency} {amount:,.2f}",
            body=f"Please find invoice {invoice.invoice_number} for {project.title} ({what}): {invoice.currency} "
                 f"{amount:,.2f}, due {due_at:%d %B %Y}." if due_at else f"Please find invoice "
                 f"{invoice.invoice_number} for {project.title} ({what}): {invoice.currency} {amount:,.2f}.",
            link=invoice.payment_link, cta="See the invoice and how to pay", project_id=project_id)
    result = payment_result(invoice)
    return result.model_copy(update={"emailed_to": client.email}) if emailed else result


async def _insert_invoice(s: AsyncSession, values: dict[str, Any], now: datetime) -> int | None:
    """INSERT .. ON CONFLICT DO NOTHING with a fresh number until one is free.

    Returns None when the idempotency key is taken (the caller returns that invoice).
    A conflict with no row under our key can only be an invoice-number collision: retry.
    """
    for _ in range(NUMBER_ATTEMPTS):
        new_id = await insert_ignore(s, Invoice, {**values, "invoice_number": new_invoice_number(now)})
        if new_id is not None:
            return new_id
        if await invoice_by_key(s, values["idempotency_key"]) is not None:
            return None
    raise Conflict("Could not find a free invoice number; try again.")


async def invoice_by_key(s: AsyncSession, key: str) -> Invoice | None:
    return (await s.execute(select(Invoice).where(Invoice.idempotency_key == key))).scalar_one_or_none()


async def invoiced_total(s: AsyncSession, project_id: int) -> Decimal:
    total = (await s.execute(
        select(func.coalesce(func.sum(Invoice.amount), 0))
        .where(Invoice.project_id == project_id, Invoice.status.not_in(NOT_COUNTED))
    )).scalar_one()
    return Decimal(total)


def payment_result(invoice: Invoice, *, already_existed: bool = False) -> PaymentResult:
    return PaymentResult(invoice_id=invoice.id, invoice_number=invoice.invoice_number, amount=invoice.amount,
                         currency=invoice.currency, status=invoice.status, due_at=invoice.due_at,
                         payment_link=invoice.payment_link, already_existed=already_existed)


async def load_invoice(s: AsyncSession, invoice_id: int, *, for_update: bool = False) -> Invoice:
    invoice: Invoice | None = await fetch_by_id(s, Invoice, invoice_id, lock=for_update)
    if invoice is None:
        raise InvoiceNotFound(invoice_id)
    return invoice


async def invoice_view(s: AsyncSession, invoice: Invoice) -> InvoiceView:
    seq = None
    if invoice.milestone_id is not None:
        seq = (await s.execute(select(Milestone.seq).where(Milestone.id == invoice.milestone_id))).scalar_one()
    return InvoiceView(
        id=invoice.id, invoice_number=invoice.invoice_number, project_id=invoice.project_id,
        client_id=invoice.client_id, milestone=seq, amount=invoice.amount, currency=invoice.currency,
        status=invoice.status, issued_at=invoice.issued_at, due_at=invoice.due_at, paid_at=invoice.paid_at,
        payment_method=invoice.payment_method, payment_link=invoice.payment_link,
        provider_invoice_id=invoice.provider_invoice_id, transaction_id=invoice.transaction_id,
    )


async def get_invoice(ctx: OperationContext, invoice_id: int) -> InvoiceView:
    ctx.check_policy("view_invoices")
    return await invoice_view(ctx.session, await load_invoice(ctx.session, invoice_id))
