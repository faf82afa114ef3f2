"""/api/business/projects/{id}/payment and /invoices."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from bot.api.deps import ActorDep, ServicesDep, run_op
from engine.billing.invoices import collect_payment, get_invoice
from engine.billing.schemas import InvoiceView, MarkPaidInput, PaymentResult
from engine.billing.settle import mark_invoice_paid

router = APIRouter(prefix="/api/business", tags=["billing"])


class PaymentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    milestone: int | None = Field(default=None, ge=1,
                                  description="The milestone's number in the plan; omit to invoice the remaining balance.")
    override_reason: str | None = Field(default=None, max_length=2000,
                                        description="Admins only: invoice a project whose client has not accepted "
                                                    "a proposal, for this reason (audited).")


@router.post("/projects/{project_id}/payment", response_model=PaymentResult)
async def post_payment(project_id: int, services: ServicesDep, actor: ActorDep,
                       body: PaymentRequest | None = None) -> PaymentResult:
    """Invoice a milestone or the balance; asking again returns the same invoice."""
    body = body or PaymentRequest()
    return await run_op(services, actor, collect_payment, project_id, body.milestone, body.override_reason)


@router.get("/invoices/{invoice_id}", response_model=InvoiceView)
async def read_invoice(invoice_id: int, services: ServicesDep, actor: ActorDep) -> InvoiceView:
    return await run_op(services, actor, get_invoice, invoice_id)


@router.post("/invoices/{invoice_id}/mark-paid", response_model=InvoiceView)
async def post_mark_paid(invoice_id: int, body: MarkPaidInput, services: ServicesDep, actor: ActorDep) -> InvoiceView:
    """Finance confirms a payment with its reference (idempotent)."""
    return await run_op(services, actor, mark_invoice_paid, invoice_id, body)


def _all_routes() -> APIRouter:
    from bot.api import webhooks
    from bot.web import pay

    routes = APIRouter()
    routes.include_router(router)
    routes.include_router(webhooks.router)
    routes.include_router(pay.router)
    return routes


# Everything billing serves: the REST routes, the Stripe webhook and the client's pay page.
billing_routes = _all_routes()
