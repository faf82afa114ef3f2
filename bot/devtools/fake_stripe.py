"""A small fake of the Stripe API for the calls Grace makes, so the real `stripe` SDK runs against it.

Customers (create, search by metadata or e-mail, list by e-mail), invoice items
(create), invoices (create, finalize, retrieve), with Stripe's idempotency rules:
the same `Idempotency-Key` replays the first response; reused with other parameters
it is an `idempotency_error`. Form bodies are decoded like Stripe does
(`metadata[key]=v`). Every request is recorded for assertions; `on_finalize` hooks
let a test deliver a webhook while Grace's own transaction is still open.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import stripe
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bot.devtools.serving import serve_on_loopback

_KEY = re.compile(r"([^\[\]]+)|\[([^\[\]]*)\]")


def decode_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """`a[b]=1&c[0]=x` -> {"a": {"b": "1"}, "c": {"0": "x"}} (lists stay index-keyed dicts)."""
    out: dict[str, Any] = {}
    for raw_key, value in pairs:
        parts = [m.group(1) or m.group(2) for m in _KEY.finditer(raw_key)]
        node = out
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return out


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, Any]
    idempotency_key: str | None


@dataclass
class FakeStripe:
    api_key: str = "sk_test_fake"
    url: str = ""
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    on_finalize: list[Callable[[dict[str, Any]], Awaitable[None]]] = field(default_factory=list)
    _replays: dict[tuple[str, str], tuple[dict[str, Any], int, dict[str, Any]]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._ids):06d}"

    def posts(self, path_prefix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path.startswith(path_prefix)]

    # ---- events, as Stripe would send them --------------------------------------------

    def event(self, kind: str, invoice_id: str, *, event_id: str | None = None, **changes: Any) -> dict[str, Any]:
        obj = {**self.invoices[invoice_id], **changes}
        if kind == "invoice.paid":
            obj.update(status="paid", amount_paid=obj["amount_due"], amount_remaining=0, paid=True,
                       payment_intent=obj.get("payment_intent") or f"pi_for_{invoice_id}",
                       status_transitions={**obj.get("status_transitions", {}), "paid_at": int(time.time())})
        return {"id": event_id or self.new_id("evt"), "object": "event", "type": kind, "created": int(time.time()),
                "livemode": False, "api_version": "2025-01-01", "data": {"object": obj}}


def signed(event: dict[str, Any] | str, secret: str, timestamp: int | None = None) -> tuple[str, dict[str, str]]:
    """The body and headers of a webhook delivery, signed with the SDK's own helper."""
    payload = event if isinstance(event, str) else json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)
    return payload, {"Stripe-Signature": header, "Content-Type": "application/json"}


def _error(status: int, message: str, type_: str = "invalid_request_error", param: str | None = None) -> JSONResponse:
    return JSONResponse({"error": {"type": type_, "message": message, "param": param}}, status_code=status)


def create_fake_app(fake: FakeStripe) -> FastAPI:
    app = FastAPI()

    @app.middleware("http")
    async def stripe_rules(request: Request, call_next):  # type: ignore[no-untyped-def]
        if request.headers.get("authorization") != f"Bearer {fake.api_key}":
            return _error(401, "Invalid API Key provided.", "invalid_request_error")
        body = (await request.body()).decode()
        pairs = parse_qsl(body, keep_blank_values=True) if request.method == "POST" else \
            parse_qsl(request.url.query, keep_blank_values=True)
        params = decode_form(pairs)
        request.state.params = params
        key = request.headers.get("idempotency-key") if request.method == "POST" else None
        fake.requests.append(Recorded(request.method, request.url.path, params, key))
        if key:
            replay = fake._replays.get((request.url.path, key))
            if replay is not None:
                first_params, status, content = replay
                if first_params != params:
                    return _error(400, "Keys for idempotent requests can only be used with the same parameters "
                                  "they were first used with.", "idempotency_error")
                return JSONResponse(content, status_code=status, headers={"Idempotent-Replayed": "true"})
        response = await call_next(request)
        if key and response.status_code < 500:
            raw = b"".join([chunk async for chunk in response.body_iterator])
            content = json.loads(raw)
            fake._replays[(request.url.path, key)] = (params, response.status_code, content)
            return JSONResponse(content, status_code=response.status_code)
        return response

    def p(request: Request) -> dict[str, Any]:
        return request.state.params  # type: ignore[no-any-return]

    @app.post("/v1/customers")
    async def create_customer(request: Request) -> JSONResponse:
        params = p(request)
        cid = fake.new_id("cus")
        fake.customers[cid] = {"id": cid, "object": "customer", "email": params.get("email"),
                               "name": params.get("name"), "metadata": params.get("metadata", {}),
                               "created": int(time.time())}
        return JSONResponse(fake.customers[cid])

    @app.get("/v1/customers/search")
    async def search_customers(request: Request) -> JSONResponse:
        query = p(request).get("query", "")
        m = re.fullmatch(r"metadata\['([^']+)'\]:'([^']*)'", query) or re.fullmatch(r"(email):'([^']*)'", query)
        if not m:
            return _error(400, f"Unsupported search query in the fake: {query}", param="query")
        field_, value = m.group(1), m.group(2)
        data = [c for c in fake.customers.values()
                if (c.get("email") == value if field_ == "email" else c["metadata"].get(field_) == value)]
        return JSONResponse({"object": "search_result", "data": data, "has_more": False, "next_page": None,
                             "url": "/v1/customers/search"})

    @app.get("/v1/customers")
    async def list_customers(request: Request) -> JSONResponse:
        email = p(request).get("email")
        data = [c for c in fake.customers.values() if email is None or c.get("email") == email]
        return JSONResponse({"object": "list", "data": data, "has_more": False, "url": "/v1/customers"})

    @app.post("/v1/invoices")
    async def create_invoice(request: Request) -> JSONResponse:
        params = p(request)
        if params.get("customer") not in fake.customers:
            return _error(400, "No such customer", param="customer")
        if params.get("collection_method") == "send_invoice" and "days_until_due" not in params:
            return _error(400, "days_until_due is required for send_invoice", param="days_until_due")
        iid = fake.new_id("in")
        fake.invoices[iid] = {
            "id": iid, "object": "invoice", "status": "draft", "customer": params["customer"],
            "currency": params.get("currency", "usd"), "collection_method": params.get("collection_method"),
            "days_until_due": int(params["days_until_due"]) if "days_until_due" in params else None,
            "description": params.get("description"), "metadata": params.get("metadata", {}),
            "amount_due": 0, "amount_paid": 0, "amount_remaining": 0, "hosted_invoice_url": None, "number": None,
            "lines": {"object": "list", "data": [], "has_more": False, "url": f"/v1/invoices/{iid}/lines"},
            "status_transitions": {}, "created": int(time.time()),
        }
        return JSONResponse(fake.invoices[iid])

    @app.post("/v1/invoiceitems")
    async def create_item(request: Request) -> JSONResponse:
        params = p(request)
        amount = params.get("amount", "")
        if not re.fullmatch(r"-?\d+", amount):
            return _error(400, f"Invalid integer: {amount}", param="amount")
        invoice = fake.invoices.get(params.get("invoice", ""))
        if invoice is None or invoice["status"] != "draft":
            return _error(400, "Invoice is not a draft", param="invoice")
        item_id = fake.new_id("ii")
        item = {"id": item_id, "object": "invoiceitem", "amount": int(amount), "currency": params.get("currency"),
                "customer": params.get("customer"), "invoice": invoice["id"],
                "description": params.get("description"), "metadata": params.get("metadata", {})}
        fake.items[item_id] = item
        invoice["lines"]["data"].append(item)
        invoice["amount_due"] += int(amount)
        invoice["amount_remaining"] = invoice["amount_due"]
        return JSONResponse(item)

    @app.post("/v1/invoices/{iid}/finalize")
    async def finalize(iid: str) -> JSONResponse:
        invoice = fake.invoices.get(iid)
        if invoice is None:
            return _error(404, f"No such invoice: '{iid}'", param="id")
        if invoice["status"] != "draft":
            return _error(400, "This invoice is already finalized.")
        invoice.update(status="open", number=f"FAKE-{iid[-6:]}",
                       hosted_invoice_url=f"{fake.url}/i/{iid}",
                       status_transitions={"finalized_at": int(time.time())})
        for hook in list(fake.on_finalize):
            await hook(invoice)
        return JSONResponse(invoice)

    @app.post("/v1/invoices/{iid}/pay")
    async def pay(iid: str, request: Request) -> JSONResponse:
        invoice = fake.invoices.get(iid)
        if invoice is None:
            return _error(404, f"No such invoice: '{iid}'", param="id")
        if invoice["status"] != "open":
            return _error(400, "Invoice is already paid" if invoice["status"] == "paid" else "Invoice is not open")
        if p(request).get("paid_out_of_band") != "true":
            return _error(400, "The fake only supports paid_out_of_band.", param="paid_out_of_band")
        invoice.update(status="paid", paid_out_of_band=True, amount_remaining=0)
        return JSONResponse(invoice)

    @app.get("/v1/invoices/{iid}")
    async def retrieve(iid: str) -> JSONResponse:
        invoice = fake.invoices.get(iid)
        if invoice is None:
            return _error(404, f"No such invoice: '{iid}'", param="id")
        return JSONResponse(invoice)

    return app


async def run_fake_stripe(port: int) -> AsyncIterator[FakeStripe]:
    """Serve the fake on 127.0.0.1:port with uvicorn in the running loop."""
    fake = FakeStripe(url=f"http://127.0.0.1:{port}")
    async with serve_on_loopback(create_fake_app(fake), port=port):
        yield fake
