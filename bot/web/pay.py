"""GET /pay/{token}: the client's page for an invoice paid by bank transfer."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.api.deps import ServicesDep
from engine.billing.errors import InvalidPayLink
from engine.billing.paypage import pay_page

router = APIRouter(tags=["pages"])
_templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html"]))


@router.get("/pay/{token}", response_class=HTMLResponse)
async def pay(token: str, services: ServicesDep) -> HTMLResponse:
    try:
        page = await pay_page(services, token)
    except InvalidPayLink as e:
        html = _templates.get_template("pay_invalid.html").render(message=e.message)
        return HTMLResponse(html, status_code=404)
    html = _templates.get_template("pay.html").render(page=page)
    return HTMLResponse(html, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})
