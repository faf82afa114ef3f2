"""The manual provider's pay page: what a client holding a signed link may see."""

from __future__ import annotations

from engine.billing.errors import InvalidPayLink
from engine.billing.providers import pay_links
from engine.billing.schemas import PayPage
from engine.context import Services
from engine.statuses import InvoiceStatus
from storage.models import Client, Invoice, Project


async def pay_page(services: Services, token: str) -> PayPage:
    """The invoice behind a `/pay/{token}` link and the agency's bank details. The signature is the permission."""
    invoice_id = pay_links(services).invoice_id(token)
    async with services.session_factory() as s:
        invoice = await s.get(Invoice, invoice_id)
        if invoice is None or invoice.status == InvoiceStatus.VOID:
            raise InvalidPayLink()
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
