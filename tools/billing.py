"""Billing tools: invoice a project, and mark an invoice paid (finance)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from engine.errors import InvalidInput, NotFound
from tools.base import ToolSpec, error_result, run_operation

if TYPE_CHECKING:
    from pydantic_ai import RunContext

    from engine.context import OperationContext
    from tools.deps import AgentDeps


async def collect_payment(ctx: RunContext[AgentDeps], project_id: int, milestone: int | None = None) -> dict[str, Any]:
    """Invoice a project (needs the speaker's confirmation): its next milestone by number, or the remaining
    balance when no milestone is given. Returns the invoice number, amount, due date and the client's
    payment link. Asking twice for the same thing returns the first invoice.

    Args:
        project_id: The project's number, e.g. 7 for "project #7".
        milestone: The milestone's number in the project plan (1, 2, ...); omit to invoice the balance.
    """
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.billing.invoices import collect_payment as collect_op

    async def op(octx: OperationContext) -> dict[str, Any]:
        result = await collect_op(octx, project_id, milestone)
        return {"project_id": project_id, **result.model_dump(mode="json")}

    return await run_operation(ctx.deps, op)


async def _invoice_id(octx: OperationContext, ref: str) -> int:
    # Deferred: listing or dry-running the tools loads no engine operation.
    from sqlalchemy import select

    from storage.models import Invoice

    text = ref.strip().lstrip("#").strip()
    if text.isdigit():
        return int(text)
    found = (await octx.session.execute(
        select(Invoice.id).where(Invoice.invoice_number == text.upper()))).scalar_one_or_none()
    if found is None:
        raise NotFound(f"There is no invoice {text}.", field="invoice_number_or_id")
    return found


async def mark_invoice_paid(ctx: RunContext[AgentDeps], invoice_number_or_id: str, reference: str) -> dict[str, Any]:
    """Record that an invoice was paid, e.g. by bank transfer (finance only; needs the speaker's confirmation).

    Args:
        invoice_number_or_id: The invoice's number, e.g. "INV-20260105-ABC234", or its id.
        reference: The payment's reference (the bank transfer's reference or other proof of payment).
    """
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.billing.schemas import MarkPaidInput
    from engine.billing.settle import mark_invoice_paid as mark_paid_op

    try:
        body = MarkPaidInput(reference=reference)
    except ValidationError:
        return error_result(InvalidInput("Say the payment's reference, e.g. “reference ABC123”.", field="reference"))

    async def op(octx: OperationContext) -> dict[str, Any]:
        octx.check_policy("mark_invoice_paid")  # before the lookup says whether the invoice exists
        invoice_id = await _invoice_id(octx, invoice_number_or_id)
        return (await mark_paid_op(octx, invoice_id, body)).model_dump(mode="json")

    return await run_operation(ctx.deps, op)


TOOLS = [
    ToolSpec(collect_payment, action="collect_payment", confirm=True),
    ToolSpec(mark_invoice_paid, action="mark_invoice_paid", confirm=True),
]
