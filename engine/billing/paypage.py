"""The manual provider's pay page: what a client holding a signed link may see."""

from __future__ import annotations

from datetime import timedelta

from engine.billing.errors import InvalidPayLink
from engine.billing.providers import pay_links
from engine.billing.schemas import PayPage
from engine.context import Services
from engine.statuses import InvoiceStatus
from storage.models import Client, Invoice, Project
from storage.types import utcnow


async def pay_page(services: Services, token: str) -> PayPage:
    """The invoice behind a `/pay/{token}` link and the agency's bank details. The signature is the
    permission, for as long as the invoice is open: the link closes when the invoice is paid or
    voided, and GRACE_PAY_LINK_DAYS_AFTER_DUE days after its due date."""
    invoice_id = pay_links(services).invoice_id(token)
    async with services.session_factory() as s:
        invoice = await s.get(Invoice, invoice_id)
        if invoice is None:
            raise InvalidPayLink()
        if invoice.status == InvoiceStatus.VOID:
            raise InvalidPayLink("This invoice was cancelled; its payment link no longer works.")
        if invoice.status == InvoiceStatus.PAID:
            raise InvalidPayLink("This invoice is paid, thank you; its payment link is closed.")
        grace = timedelta(days=services.settings.pay_link_days_after_due)
        if invoice.due_at is not None and utcnow() > invoice.due_at + grace:
            raise InvalidPayLink("This payment link has expired. Ask us for a new one.")
        client = await s.get(Client, invoice.client_id)
        project = await s.get(Project, invoice.project_id)
    assert client is not None and project is not None
    details = services.settings.bank_details.replace("\\n", "\n")
    return PayPage(
        invoice_number=invoice.invoice_number, client_name=client.name, project_title=project.title,
        amount=invoice.amount, currency=invoice.currency, status=invoice.status, issued_at=invoice.issued_at,
        due_at=invoice.due_at, paid_at=invoice.paid_at,
        bank_details=[line.strip() for line in details.splitlines() if line.strip()],
    )
