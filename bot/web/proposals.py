"""The client's proposal page: `/p/{token}` shows it, a form POST to the same URL accepts it.

Errors here are pages, not JSON: a client following a link must read what went wrong.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from bot.api.deps import ServicesDep, run_op
from engine.actors import Actor, Role
from engine.errors import GraceError
from engine.proposals.acceptance import accept_proposal, view_proposal

router = APIRouter(tags=["client pages"], include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
CLIENT = Actor(kind="client", ref="proposal-link", role=Role.CLIENT, name="client")
TITLES = {403: "This link is not valid", 404: "Not found", 409: "Already done", 410: "This link has expired"}


def _money(value: object, currency: str = "") -> str:
    from decimal import Decimal

    amount = f"{Decimal(str(value)):,.2f}"
    return f"{currency} {amount}".strip()


def _hours(value: object) -> str:
    from decimal import Decimal

    text = f"{Decimal(str(value)):,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


templates.env.filters["money"] = _money
templates.env.filters["hours"] = _hours


def _error(request: Request, exc: GraceError) -> HTMLResponse:
    return templates.TemplateResponse(request, "proposal_error.html",
                                      {"title": TITLES.get(exc.status, "Something is wrong"), "message": exc.message},
                                      status_code=exc.status)


async def _page(request: Request, services: ServicesDep, token: str, *, notice: str | None = None,
                status_code: int = 200) -> HTMLResponse:
    doc = await run_op(services, CLIENT, view_proposal, token)
    return templates.TemplateResponse(request, "proposal.html", {"p": doc, "notice": notice},
                                      status_code=status_code)


@router.get("/p/{token}", response_class=HTMLResponse)
async def proposal_page(request: Request, token: str, services: ServicesDep) -> HTMLResponse:
    try:
        return await _page(request, services, token)
    except GraceError as e:
        return _error(request, e)


@router.post("/p/{token}", response_class=HTMLResponse)
async def accept_proposal_form(request: Request, token: str, services: ServicesDep,
                               name: Annotated[str, Form(max_length=200)] = "") -> HTMLResponse:
    try:
        await run_op(services, CLIENT, accept_proposal, token, name)
        return await _page(request, services, token, notice="Thank you — your acceptance is recorded and our "
                                                            "team has been told. We will be in touch shortly.")
    except GraceError as e:
        return _error(request, e)
