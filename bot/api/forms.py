"""Public website forms: the hosted page, the embeddable script and the submission endpoint.

No API key: a form is reachable by its unguessable public id. Every POST is rate-limited per
(form, client IP), checked against the form's allowed origins (CORS), the size limit, the
honeypot and the signed fill-time token; a refused submission is counted, never stored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from bot.api.deps import ActorDep, ServicesDep, run_op
from engine.actors import Actor
from engine.context import Services
from engine.errors import GraceError, InvalidInput
from engine.sources.forms import (
    HONEYPOT,
    TOKEN_FIELD,
    FormRevoked,
    FormSpec,
    FormView,
    count_rejection,
    create_form,
    find_form,
    list_forms,
    normalize_origin,
    revoke_form,
    submission_to_lead,
    submit_form,
)
from engine.sources.guard import (
    InProcessRateLimiter,
    RateLimiter,
    RedisRateLimiter,
    check_form_token,
    issue_form_token,
    retry_after_header,
    token_key,
)
from storage.models import LeadForm

router = APIRouter(tags=["forms"])
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "web" / "templates"))
FORM_ACTOR = Actor.system("website-form")
DEFAULT_THANK_YOU = "Thank you! We received your message and will get back to you soon."
FIELDS = [
    {"name": "name", "label": "Your name", "type": "text", "required": True, "maxlength": 200, "autocomplete": "name"},
    {"name": "email", "label": "E-mail", "type": "email", "required": True, "maxlength": 320, "autocomplete": "email"},
    {"name": "company", "label": "Company", "type": "text", "required": False, "maxlength": 200,
     "autocomplete": "organization"},
    {"name": "message", "label": "What do you need?", "type": "textarea", "required": True, "maxlength": 5000},
    {"name": "budget", "label": "Budget", "type": "text", "required": False, "maxlength": 64},
    {"name": "referrer", "label": "Who referred you?", "type": "text", "required": False, "maxlength": 200},
]
FIELD_LIMIT = 60


class Rejected(Exception):
    def __init__(self, reason: str, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.reason, self.status, self.message, self.headers = reason, status, message, headers or {}


def limiter(services: Services) -> RateLimiter:
    """One limiter per running app: in this process, or in Redis when Grace has one."""
    if services.form_limiter is None:
        s = services.settings
        services.form_limiter = (RedisRateLimiter(s.redis_url, s.form_rate_limit, prefix="grace:form-rl:")
                                 if s.redis_url else InProcessRateLimiter(s.form_rate_limit))
    return services.form_limiter


async def load_form(services: Services, public_id: str) -> LeadForm:
    async with services.session_factory() as session:
        return await find_form(session, public_id)


async def count(services: Services, form: LeadForm, reason: str) -> None:
    async with services.session_factory() as session:
        await count_rejection(session, form.id, reason)
        await session.commit()


def own_origins(request: Request, services: Services) -> set[str]:
    out = {normalize_origin(str(request.base_url))}
    try:
        out.add(normalize_origin(services.settings.public_url))
    except ValueError:
        pass
    return out


def origin_allowed(request: Request, services: Services, form: LeadForm) -> bool:
    """No Origin header (a server, curl) is fine; a browser's Origin must be ours or one the form lists."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    try:
        norm = normalize_origin(origin)
    except ValueError:
        return False  # includes "null" (sandboxed frames, file: pages)
    return norm in own_origins(request, services) or norm in form.allowed_origins


def cors_headers(request: Request, services: Services, form: LeadForm) -> dict[str, str]:
    origin = request.headers.get("origin")
    if origin and origin_allowed(request, services, form):
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {"Vary": "Origin"}


def wants_json(request: Request) -> bool:
    ctype = request.headers.get("content-type", "")
    accept = request.headers.get("accept", "")
    return "json" in ctype or ("application/json" in accept and "text/html" not in accept)


def page(request: Request, heading: str, message: str, status: int = 200, *, error: bool = False,
         headers: dict[str, str] | None = None) -> HTMLResponse:
    return templates.TemplateResponse(request, "forms/message.html",
                                      {"heading": heading, "message": message, "error": error,
                                       "form_name": heading}, status_code=status, headers=headers)


def form_context(request: Request, services: Services, form: LeadForm) -> dict[str, Any]:
    s = services.settings
    return {
        "id": form.public_id, "name": form.name, "action": str(request.url_for("post_form", form_id=form.public_id)),
        "token": issue_form_token(s.resolved_secret_key(), form.public_id), "tokenField": TOKEN_FIELD,
        "honeypot": HONEYPOT, "fields": FIELDS,
    }


NO_STORE = {"Cache-Control": "no-store"}


@router.get("/forms/{form_id}", response_class=HTMLResponse, include_in_schema=False)
async def hosted_form(form_id: str, request: Request, services: ServicesDep) -> Response:
    form = await load_form(services, form_id)
    if form.revoked_at is not None:
        return page(request, "Form closed", FormRevoked().message, 410, error=True)
    ctx = form_context(request, services, form)
    return templates.TemplateResponse(request, "forms/hosted.html", {
        "form_name": form.name, "action": ctx["action"], "token": ctx["token"], "token_field": TOKEN_FIELD,
        "honeypot": HONEYPOT, "fields": FIELDS}, headers=NO_STORE)


@router.get("/forms/{form_id}/embed.js", include_in_schema=False)
async def embed_script(form_id: str, request: Request, services: ServicesDep) -> Response:
    form = await load_form(services, form_id)
    if form.revoked_at is not None:
        return Response("/* This form no longer accepts submissions. */\n", media_type="text/javascript",
                        status_code=410)
    resp = templates.TemplateResponse(request, "forms/embed.js", {"config": form_context(request, services, form)},
                                      media_type="text/javascript", headers=NO_STORE)
    return resp


@router.get("/forms/{form_id}/thanks", response_class=HTMLResponse, include_in_schema=False)
async def thanks(form_id: str, request: Request, services: ServicesDep) -> Response:
    form = await load_form(services, form_id)
    return page(request, "Thank you", form.thank_you or DEFAULT_THANK_YOU)


@router.options("/forms/{form_id}", include_in_schema=False)
async def preflight(form_id: str, request: Request, services: ServicesDep) -> Response:
    form = await load_form(services, form_id)
    method = request.headers.get("access-control-request-method", "")
    if not request.headers.get("origin") or not origin_allowed(request, services, form) or method.upper() != "POST":
        return Response(status_code=403, headers={"Vary": "Origin"})
    return Response(status_code=204, headers={
        **cors_headers(request, services, form), "Access-Control-Allow-Methods": "POST",
        "Access-Control-Allow-Headers": "Content-Type, Accept", "Access-Control-Max-Age": "600"})


async def read_limited(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise Rejected("too_large", 413, f"The submission is larger than {limit // 1024} KB.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Rejected("too_large", 413, f"The submission is larger than {limit // 1024} KB.")
        chunks.append(chunk)
    return b"".join(chunks)


async def parse_fields(request: Request, raw: bytes) -> dict[str, Any]:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    bad = Rejected("invalid", 400, "The submission could not be read.")
    if ctype == "application/json":
        try:
            data = json.loads(raw or b"null")
        except ValueError:
            raise bad from None
        if not isinstance(data, dict) or len(data) > FIELD_LIMIT or \
                any(not isinstance(v, str | int | float | bool | None) for v in data.values()):
            raise Rejected("invalid", 400, "Send the form as one JSON object of text fields.")
        return {str(k): v for k, v in data.items()}
    if ctype == "application/x-www-form-urlencoded":
        try:
            return dict(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True,
                                  max_num_fields=FIELD_LIMIT))
        except ValueError:
            raise bad from None
    if ctype == "multipart/form-data":
        async def replay() -> dict[str, Any]:
            return {"type": "http.request", "body": raw, "more_body": False}

        try:
            form = await Request(request.scope, replay).form(max_files=0, max_fields=FIELD_LIMIT)
        except Exception:
            raise bad from None
        return {k: v for k, v in form.items() if isinstance(v, str)}
    raise Rejected("invalid", 415, "Send the form as a form post or as JSON.")


async def check_submission(request: Request, services: Services, form: LeadForm) -> dict[str, Any] | None:
    """The submitted fields, or None for a bot caught by the honeypot. Raises Rejected."""
    s = services.settings
    if form.revoked_at is not None:
        raise Rejected("revoked", 410, FormRevoked().message)
    client_ip = request.client.host if request.client else "unknown"
    wait = await limiter(services).hit(f"{form.public_id}:{client_ip}")
    if wait > 0:
        raise Rejected("rate_limited", 429, "Too many submissions; please try again in a minute.",
                       {"Retry-After": retry_after_header(wait)})
    if not origin_allowed(request, services, form):
        raise Rejected("origin", 403, "This form cannot be submitted from this site.")
    fields = await parse_fields(request, await read_limited(request, s.form_max_bytes))
    if str(fields.get(HONEYPOT) or "").strip():
        return None
    problem = check_form_token(s.resolved_secret_key(), form.public_id, str(fields.get(TOKEN_FIELD) or "") or None,
                               min_fill_seconds=s.form_min_fill_seconds,
                               max_age_seconds=s.form_token_max_age_hours * 3600)
    if problem == "too_fast":
        raise Rejected(problem, 400, "The form was sent too quickly. Please wait a few seconds and send it again.")
    if problem:
        raise Rejected(problem, 400, "This form has expired. Please reload the page and send it again.")
    return fields


def success(request: Request, form: LeadForm, headers: dict[str, str]) -> Response:
    """The same answer for a new lead, a repeated submit and a bot caught by the honeypot."""
    message = form.thank_you or DEFAULT_THANK_YOU
    if wants_json(request):
        body: dict[str, Any] = {"ok": True, "message": message, "redirect": form.redirect_url}
        return JSONResponse(body, status_code=201, headers=headers)
    target = form.redirect_url or str(request.url_for("thanks", form_id=form.public_id))
    return RedirectResponse(target, status_code=303, headers=headers)


def refusal(request: Request, status: int, code: str, message: str, headers: dict[str, str],
            field: str | None = None) -> Response:
    if wants_json(request):
        body = {"error": code, "message": message, **({"field": field} if field else {})}
        return JSONResponse(body, status_code=status, headers=headers)
    return page(request, "Not sent", message, status, error=True, headers=headers)


@router.post("/forms/{form_id}", name="post_form", include_in_schema=False)
async def post_form(form_id: str, request: Request, services: ServicesDep) -> Response:
    form = await load_form(services, form_id)
    headers = cors_headers(request, services, form)
    try:
        fields = await check_submission(request, services, form)
        if fields is None:
            # Answer a bot as if it succeeded, so it learns nothing; only the counter knows.
            await count(services, form, "honeypot")
            return success(request, form, headers)
        data = submission_to_lead(fields)
        await run_op(services, FORM_ACTOR, submit_form, form, data,
                              submission_key=token_key(str(fields[TOKEN_FIELD])))
    except Rejected as r:
        await count(services, form, r.reason)
        return refusal(request, r.status, r.reason, r.message, {**headers, **r.headers})
    except InvalidInput as e:
        await count(services, form, "invalid")
        return refusal(request, 422, e.code, e.message, headers, e.field)
    except GraceError as e:
        return refusal(request, e.status, e.code, e.message, headers)
    return success(request, form, headers)


@router.get("/api/business/forms", response_model=list[FormView], tags=["forms"])
async def get_forms(services: ServicesDep, actor: ActorDep) -> list[FormView]:
    """Every website form with its allowed origins and rejected-submission counters."""
    return await run_op(services, actor, list_forms)


@router.post("/api/business/forms", status_code=201, response_model=FormView, tags=["forms"])
async def post_form_spec(body: FormSpec, services: ServicesDep, actor: ActorDep) -> FormView:
    """Create a website form (admin)."""
    return await run_op(services, actor, create_form, body)


@router.post("/api/business/forms/{form_id}/revoke", response_model=FormView, tags=["forms"])
async def post_revoke(form_id: str, services: ServicesDep, actor: ActorDep) -> FormView:
    """Stop a form accepting submissions (admin)."""
    return await run_op(services, actor, revoke_form, form_id)
