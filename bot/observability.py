"""Prometheus metrics, structured logs and request ids."""

from __future__ import annotations

import asyncio
import hmac
import logging
import sys
import time
import uuid
from typing import Any

import structlog
from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

from engine.config import Settings
from engine.context import Services
from engine.counters import HTTP_ANSWERS, HTTP_ERRORS
from engine.statuses import ProjectStatus

HTTP_REQUESTS = Counter("grace_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram("grace_http_request_seconds", "HTTP request latency", ["method", "route"],
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
LEADS_CAPTURED = Counter("grace_leads_captured_total", "Leads captured", ["source"])
QUALIFICATIONS = Counter("grace_qualifications_total", "Lead qualifications", ["qualified"])
QUALIFICATION_SCORE = Histogram("grace_qualification_score", "Scores given by qualification",
                                buckets=(10, 20, 30, 40, 50, 60, 70, 80, 90, 100))
STAGE_MOVES = Counter("grace_stage_moves_total", "Lead stage moves", ["from_stage", "to_stage"])
VOTES = Counter("grace_votes_total", "Parliament votes and decisions", ["kind"])
BUILDS = Counter("grace_builds_total", "Builds by outcome", ["status"])
BUILDS_RUNNING = Gauge("grace_builds_running", "Projects whose build is under way (read at scrape time)")
BUILD_SECONDS = Histogram("grace_build_seconds", "Build duration", buckets=(1, 5, 15, 60, 300, 900, 3600))
INVOICES = Counter("grace_invoices_total", "Invoices by event", ["status"])
NPS_RESPONSES = Counter("grace_nps_responses_total", "NPS responses", ["category"])
SLACK_ACK = Histogram("grace_slack_ack_seconds", "Time to answer Slack's HTTP request",
                      buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3))
QUEUE_DEPTH = Gauge("grace_job_queue_depth", "Jobs waiting or running")
ERRORS = Counter("grace_errors_total", "Unhandled errors", ["where"])
BAD_SIGNATURES = Counter("grace_bad_signatures_total", "Signed requests refused (bad or stale signature)",
                         ["source"])


# Until `configure_logging` runs (`grace serve`), structlog goes through the standard library's
# logging, so library users and tests see our lines only at the level they chose.
structlog.configure(
    processors=[structlog.contextvars.merge_contextvars, structlog.stdlib.filter_by_level,
                structlog.processors.KeyValueRenderer(key_order=["event"])],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)


def observe_event(event: dict[str, Any]) -> None:
    """Turns the engine's events (see the event list in engine/) into counters; hooked into
    Services.event_hooks, so it counts what this process committed."""
    kind, data = event.get("type", ""), event.get("data", {})
    if kind == "lead.captured":
        LEADS_CAPTURED.labels(data.get("source") or "unknown").inc()
    elif kind == "lead.stage_changed":
        STAGE_MOVES.labels(data.get("from_stage") or "-", data.get("to_stage") or "-").inc()
    elif kind == "lead.scored":
        QUALIFICATIONS.labels(str(bool(data.get("qualified"))).lower()).inc()
        if isinstance(data.get("score"), int | float):
            QUALIFICATION_SCORE.observe(float(data["score"]))
    elif kind in ("vote.opened", "vote.cast"):
        VOTES.labels(kind.removeprefix("vote.")).inc()
    elif kind == "vote.decided":
        VOTES.labels(str(data.get("decision") or "decided")).inc()  # approved, rejected, expired...
    elif kind in BUILD_EVENTS:
        _observe_build(BUILD_EVENTS[kind], data)
    elif kind in INVOICE_EVENTS:
        INVOICES.labels(INVOICE_EVENTS[kind]).inc()
    elif kind == "nps.responded" and data.get("category") and not data.get("updated"):
        NPS_RESPONSES.labels(data["category"]).inc()


BUILD_EVENTS = {"project.delivery_started": "started", "project.delivered": "delivered",
                "project.failed": "failed", "project.cancelled": "cancelled"}
INVOICE_EVENTS = {"invoice.issued": "issued", "invoice.paid": "paid", "invoice.payment_failed": "failed"}


def _observe_build(status: str, data: dict[str, Any]) -> None:
    # Builds running is read from the database at scrape time: a build starts in the API
    # process and ends in a worker, so no one process sees both events.
    BUILDS.labels(status).inc()
    if status == "delivered" and isinstance(data.get("duration_seconds"), int | float):
        BUILD_SECONDS.observe(float(data["duration_seconds"]))


async def _builds_running(services: Services) -> int:
    """Projects whose build is under way, in any process (the database is the one shared view)."""
    from sqlalchemy import func, select

    from storage.models import Project

    async with services.session_factory() as session:
        return int((await session.execute(
            select(func.count()).select_from(Project).where(Project.status == ProjectStatus.IN_PROGRESS))).scalar_one())


async def flush_counters_forever(services: Services, every_seconds: float = 5.0) -> None:
    """Write this process's buffered operational counts to the shared store every few seconds
    (the alert check reads them from any process). Runs for the server's lifetime."""
    while True:
        await asyncio.sleep(every_seconds)
        if services.counters is not None:
            await services.counters.flush()


def configure_logging(settings: Settings) -> None:
    """structlog for our logs and the standard library's (uvicorn, SQLAlchemy), JSON when asked."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    # Tracebacks as plain text, never with each frame's local variables: locals hold request bodies,
    # tokens and secrets, and rendering them took seconds per error (rich's default for the console).
    renderer: Any = (structlog.processors.JSONRenderer() if settings.log_json else
                     structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback))
    tracebacks: list[Any] = [structlog.processors.format_exc_info] if settings.log_json else []
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, *shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *tracebacks, renderer],
    ))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for noisy in ("alembic", "uvicorn.access", "httpx", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


async def _queue_depth(services: Services) -> int:
    q = services.queue
    running = getattr(q, "_running", None)
    if running is not None:
        return sum(1 for t in running.values() if not t.done())
    pool = getattr(q, "_pool", None)
    if pool is not None:
        from arq.constants import default_queue_name

        return int(await pool.zcard(default_queue_name))
    return 0


class Observe:
    """Pure ASGI middleware (no per-request task or body buffering, unlike BaseHTTPMiddleware):
    a request id carried in logs and answers, and request counts and latency by route template."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.log = structlog.get_logger("grace.http")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = ""
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                request_id = value.decode("latin-1")[:64]
                break
        request_id = request_id or uuid.uuid4().hex[:16]
        structlog.contextvars.bind_contextvars(request_id=request_id)
        start = time.perf_counter()
        status = 500

        async def send_with_id(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode("latin-1"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope.get("method", "GET")
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            # Counted for the alert check, shared across processes (see engine/counters.py).
            services = getattr(getattr(scope.get("app"), "state", None), "services", None)
            counters = getattr(services, "counters", None)
            if counters is not None and route not in ("/metrics", "/healthz"):
                counters.add(HTTP_ANSWERS)
                if status >= 500:
                    counters.add(HTTP_ERRORS)
            HTTP_LATENCY.labels(method, route).observe(elapsed)
            if route == "/slack/events":
                SLACK_ACK.observe(elapsed)
            if status >= 500:
                ERRORS.labels("http").inc()
            if route not in ("/metrics", "/healthz"):
                self.log.info("request", method=method, route=route, status=status, ms=round(elapsed * 1000, 1))
            structlog.contextvars.unbind_contextvars("request_id")


def bad_signature(source: str, why: str) -> None:
    """A refused signed request: counted and logged, never audited one by one (anyone can send one)."""
    BAD_SIGNATURES.labels(source).inc()
    logging.getLogger("grace.webhooks").warning("%s request refused: %s", source, why[:200])


def metrics_token_ok(request: Request, token: str) -> bool:
    """With GRACE_METRICS_TOKEN set, /metrics needs `Authorization: Bearer <token>`."""
    if not token:
        return True
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def install_observability(app: FastAPI) -> None:
    app.add_middleware(Observe)

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        services = request.app.state.services
        if not metrics_token_ok(request, services.settings.metrics_token):
            return Response('{"error": "unauthenticated", "message": "/metrics needs its bearer token '
                            '(GRACE_METRICS_TOKEN)."}', status_code=401, media_type="application/json",
                            headers={"WWW-Authenticate": "Bearer"})
        try:
            QUEUE_DEPTH.set(await _queue_depth(services))
        except Exception:  # a scrape must not fail because Redis blinked
            logging.getLogger("grace").warning("could not read the job queue depth")
        try:
            BUILDS_RUNNING.set(await _builds_running(services))
        except Exception:
            logging.getLogger("grace").warning("could not count the running builds")
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
