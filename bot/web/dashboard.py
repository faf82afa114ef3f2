"""The dashboard: server-rendered pages at `/`.

Signing in exchanges an API key for a random server-side session (`dashboard_sessions`): the
cookie holds the session's token, never the key; the session expires after
GRACE_DASHBOARD_SESSION_HOURS, ends at logout, and dies with its key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from bot.api.deps import SESSION_COOKIE, csrf_ok, dashboard_session, run_op
from bot.web import charts
from engine.actors import Actor
from engine.audit import verify_audit_chain
from engine.context import OperationContext
from engine.crm.lists import list_projects
from engine.crm.timeline import client_timeline
from engine.errors import GraceError, NotFound, PolicyDenied
from engine.pipeline.board import get_board, get_card, nps_by_month, open_votes, recent_audit
from engine.pipeline.leads import get_client, get_lead
from engine.pipeline.metrics import get_pipeline_metrics, get_revenue_stats
from engine.statuses import ProjectStatus
from engine.team import authenticate_api_key, close_dashboard_session, open_dashboard_session

COOKIE = SESSION_COOKIE
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def money(value: Any, currency: str, per_currency: dict[str, Any] | None = None) -> str:
    """One converted amount, or each currency's own total when some currency has no rate."""
    if value is not None:
        return f"{currency} {float(value):,.2f}"
    parts = [f"{c} {float(v):,.2f}" for c, v in (per_currency or {}).items()]
    return " + ".join(parts) + " (no exchange rate to add them)" if parts else "–"


def per_figure(by_currency: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
    return {c: figures[name] for c, figures in by_currency.items()}


templates.env.globals["money"] = money
templates.env.globals["per_figure"] = per_figure
router = APIRouter(include_in_schema=False)


async def _actor(request: Request) -> Actor | None:
    token = request.cookies.get(COOKIE, "")
    if not token:
        return None
    found = await dashboard_session(request.app.state.services, token)
    if found is None:
        return None
    actor, row = found
    request.state.csrf_token = row.csrf_token  # the logout form carries it
    return actor


def _page(request: Request, name: str, active: str, title: str, **ctx: Any) -> HTMLResponse:
    csrf = getattr(request.state, "csrf_token", "")
    return templates.TemplateResponse(request, f"dashboard/{name}",
                                      {"active": active, "title": title, "csrf_token": csrf, **ctx})


def _to_login() -> RedirectResponse:
    return RedirectResponse("/login", status_code=303)


async def _render(request: Request, name: str, active: str, title: str, build: Any) -> Response:
    actor = await _actor(request)
    if actor is None:
        return _to_login()
    try:
        data = await run_op(request.app.state.services, actor, build)
    except PolicyDenied as e:
        return HTMLResponse(f"<!doctype html><title>Not allowed</title><p>{e.message}</p><p><a href='/'>Back</a></p>",
                            status_code=403)
    return _page(request, name, active, title, **data)


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request) -> Response:
    return templates.TemplateResponse(request, "dashboard/login.html", {"error": None})


@router.post("/login")
async def login(request: Request, key: str = Form(default="", max_length=200)) -> Response:
    services = request.app.state.services
    try:
        async with services.session_factory() as session:
            actor = await authenticate_api_key(session, key.strip())
    except GraceError:
        return templates.TemplateResponse(request, "dashboard/login.html",
                                          {"error": "That key is not valid. Check it and try again."}, status_code=401)
    hours = services.settings.dashboard_session_hours
    new = await run_op(services, actor, open_dashboard_session, hours)
    response = RedirectResponse("/", status_code=303)
    secure = request.url.scheme == "https" or services.settings.public_url.startswith("https")
    response.set_cookie(COOKIE, new.token, httponly=True, secure=secure, samesite="strict", max_age=int(hours * 3600))
    response.delete_cookie("grace_key")  # the old cookie that held the raw key
    return response


@router.post("/logout")
async def logout(request: Request, csrf_token: str = Form(default="", max_length=200)) -> Response:
    """Revokes the session server-side (the cookie stops working everywhere at once)."""
    token = request.cookies.get(COOKIE, "")
    found = await dashboard_session(request.app.state.services, token) if token else None
    if found is not None:
        actor, row = found
        if not csrf_ok(request, row, csrf_token):
            return HTMLResponse("<!doctype html><title>Not allowed</title><p>Sign out from the dashboard's own "
                                "button.</p><p><a href='/'>Back</a></p>", status_code=403)
        await run_op(request.app.state.services, actor, close_dashboard_session, token)
    response = _to_login()
    response.delete_cookie(COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
async def board_page(request: Request) -> Response:
    async def build(ctx: OperationContext) -> dict[str, Any]:
        return {"board": await get_board(ctx)}

    return await _render(request, "board.html", "/", "Pipeline", build)


@router.get("/dashboard/cards/{lead_id}", response_class=HTMLResponse)
async def card_partial(request: Request, lead_id: int) -> Response:
    actor = await _actor(request)
    if actor is None:
        return Response(status_code=401)
    card = await run_op(request.app.state.services, actor, get_card, lead_id)
    if card is None:
        return Response(status_code=404)
    return templates.TemplateResponse(request, "dashboard/_card.html", {"card": card})


@router.get("/dashboard/clients/{client_id}", response_class=HTMLResponse)
async def client_page(request: Request, client_id: int) -> Response:
    async def build(ctx: OperationContext) -> dict[str, Any]:
        client = await get_client(ctx, client_id)
        leads = [await get_lead(ctx, lead_id) for lead_id in client.lead_ids[-20:]]
        projects = await list_projects(ctx, client_id=client_id, limit=20)
        timeline = await client_timeline(ctx, client_id, limit=100, newest_first=True)
        return {"client": client, "leads": leads, "projects": projects.items, "timeline": timeline}

    try:
        return await _render(request, "client.html", "/", "Client", build)
    except NotFound:
        return HTMLResponse("<!doctype html><title>Not found</title><p>No such client.</p><p><a href='/'>Back</a></p>",
                            status_code=404)


@router.get("/dashboard/funnel", response_class=HTMLResponse)
async def funnel_page(request: Request) -> Response:
    async def build(ctx: OperationContext) -> dict[str, Any]:
        m = await get_pipeline_metrics(ctx)
        stages = [(m.conversion[0].from_stage, m.conversion[0].reached_from, None)] + [
            (c.to_stage, c.reached_to, c.rate) for c in m.conversion]
        sources = sorted(m.by_source.items(), key=lambda kv: -kv[1])
        return {"metrics": m, "funnel_svg": charts.funnel(stages),
                "sources_svg": charts.bar_chart([(k, float(v)) for k, v in sources], title="Leads by source")}

    return await _render(request, "funnel.html", "/dashboard/funnel", "Funnel", build)


@router.get("/dashboard/revenue", response_class=HTMLResponse)
async def revenue_page(request: Request) -> Response:
    async def build(ctx: OperationContext) -> dict[str, Any]:
        rev = await get_revenue_stats(ctx, "all")
        trend = await nps_by_month(ctx)
        return {
            "rev": rev,
            "month_svg": charts.bar_chart([(k, float(v)) for k, v in rev.by_month.items()], title="Paid per month"),
            "channel_svg": charts.bar_chart([(k, float(v)) for k, v in rev.by_source.items()], title="Paid per channel"),
            "nps_svg": charts.bar_chart(trend, title="NPS per month"),
        }

    return await _render(request, "revenue.html", "/dashboard/revenue", "Revenue", build)


@router.get("/dashboard/delivery", response_class=HTMLResponse)
async def delivery_page(request: Request) -> Response:
    async def build(ctx: OperationContext) -> dict[str, Any]:
        return {"votes": await open_votes(ctx), "projects": await running_projects(ctx)}

    return await _render(request, "delivery.html", "/dashboard/delivery", "Delivery", build)


@router.get("/dashboard/audit", response_class=HTMLResponse)
async def audit_page(request: Request) -> Response:
    async def build(ctx: OperationContext) -> dict[str, Any]:
        entries = await recent_audit(ctx)
        return {"entries": entries, "report": await verify_audit_chain(ctx.session)}

    return await _render(request, "audit.html", "/dashboard/audit", "Audit", build)


async def running_projects(ctx: OperationContext) -> list[Any]:
    from sqlalchemy import select

    from storage.models import Project

    rows = (await ctx.session.execute(
        select(Project).where(Project.status.in_([ProjectStatus.IN_PROGRESS, ProjectStatus.AWAITING_APPROVAL])).order_by(Project.id.desc())
        .limit(50))).scalars().all()
    return list(rows)
