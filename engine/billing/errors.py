"""Billing errors, named for the condition."""

from __future__ import annotations

from engine.errors import Conflict, GraceError, InvalidInput, NotFound


class InvoiceNotFound(NotFound):
    def __init__(self, invoice_id: int) -> None:
        super().__init__(f"There is no invoice #{invoice_id}.", invoice_id=invoice_id)


class MilestoneNotFound(NotFound):
    def __init__(self, project_id: int, seq: int) -> None:
        super().__init__(f"Project #{project_id} has no milestone {seq}.", field="milestone",
                         project_id=project_id, milestone=seq)


class ProjectHasNoPrice(InvalidInput):
    def __init__(self, project_id: int) -> None:
        super().__init__(f"Project #{project_id} has no price yet, so there is nothing to invoice.",
                         field="project_id", project_id=project_id)


class NothingToInvoice(Conflict):
    def __init__(self, project_id: int) -> None:
        super().__init__(f"Project #{project_id} is fully invoiced already.", project_id=project_id)


class ExceedsProjectPrice(Conflict):
    """Invoicing this would bill the client more than the project's price in total."""


class PaymentProviderFailed(GraceError):
    status = 502
    code = "payment_provider_failed"


class InvalidWebhookSignature(GraceError):
    status = 400
    code = "invalid_signature"


class InvalidPayLink(NotFound):
    def __init__(self, message: str = "This payment link is not valid. Ask us for a new one.") -> None:
        super().__init__(message)


class InvoiceNotYetKnown(GraceError):
    """A payment event names one of our invoices that is not committed yet: the sender should retry."""

    status = 503
    code = "invoice_not_yet_known"
