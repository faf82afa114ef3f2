"""The dashboard: server-rendered pages at `/`, signed in with an API key kept in an HTTP-only cookie."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from bot.api.deps import run_op
from bot.web import charts
from engine.actors import Actor
from engine.audit import verify_audit_chain
from engine.context import OperationContext
from engine.errors import GraceError, PolicyDenied, Unauthenticated
from engine.pipeline.board import get_board, get_card, nps_by_month, open_votes, recent_audit
from engine.pipeline.metrics import get_pipeline_metrics, get_revenue_stats
from engine.statuses import ProjectStatus
from engine.team import authenticate_api_key

COOKIE = "grace_key"
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter(include_in_schema=False)


async def _actor(request: Request) -> Actor | None:
    key = request.cookies.get(COOKIE, "")
    if not key:
        return None
    try:
        async with request.app.state.services.session_factory() as session:
            return await authenticate_api_key(session, key)
    except Unauthenticated:
        return None


def _page(request: Request, name: str, active: str, title: str, **ctx: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, f"dashboard/{name}", {"active": active, "title": title, **ctx})


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
    try:
        async with request.app.state.services.session_factory() as session:
            await authenticate_api_key(session, key.strip())
    except GraceError:
        return templates.TemplateResponse(request, "dashboard/login.html",
                                          {"error": "That key is not valid. Check it and try again."}, status_code=401)
    response = RedirectResponse("/", status_code=303)
    secure = request.url.scheme == "https" or request.app.state.services.settings.public_url.startswith("https")
    response.set_cookie(COOKIE, key.strip(), httponly=True, secure=secure, samesite="strict", max_age=14 * 24 * 3600)
    return response


@router.post("/logout")
async def logout() -> Response:
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
