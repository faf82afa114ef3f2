"""The default provider: a signed pay page with bank-transfer details; finance marks invoices paid."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

from engine.billing.errors import InvalidPayLink
from engine.ports import InvoiceRequest, ProviderInvoice

_SALT = "grace.pay-link"


class PayLinks:
    """Signs and reads `/pay/{token}` tokens. The token carries only our invoice id."""

    def __init__(self, secret_key: str, public_url: str) -> None:
        self._serializer = URLSafeSerializer(secret_key, salt=_SALT)
        self.public_url = public_url.rstrip("/")

    def token(self, invoice_id: int) -> str:
        return self._serializer.dumps({"invoice": invoice_id})

    def url(self, invoice_id: int) -> str:
        return f"{self.public_url}/pay/{self.token(invoice_id)}"

    def invoice_id(self, token: str) -> int:
        try:
            data = self._serializer.loads(token)
        except BadSignature:
            raise InvalidPayLink() from None
        if not isinstance(data, dict) or not isinstance(data.get("invoice"), int):
            raise InvalidPayLink()
        return int(data["invoice"])


class ManualProvider:
    name = "manual"

    def __init__(self, links: PayLinks) -> None:
        self.links = links

    async def issue(self, request: InvoiceRequest) -> ProviderInvoice:
        return ProviderInvoice(method="bank_transfer", payment_link=self.links.url(request.invoice_id))

    async def mark_paid_out_of_band(self, provider_invoice_id: str, idempotency_key: str) -> None:
        return None

    async def close(self) -> None:
        return None
