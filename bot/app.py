"""The FastAPI application: settings -> services -> routes."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from bot.api import delivery, forms, inbound, leads, live, pipeline, satisfaction
from bot.api import proposals as proposals_api
from bot.api import scoring as scoring_api
from bot.api.billing import billing_routes
from bot.api.errors import install_error_handlers
from bot.limits import BodyLimit, StorableText, body_limits
from bot.observability import ErrorRate, install_observability, observe_event
from bot.services import build_services, close_services
from bot.web import dashboard
from bot.web import nps as nps_pages
from bot.web import proposals as proposal_pages
from engine.config import Settings
from engine.context import Services
from engine.scoring import model as _scoring_model

# The CLI loads scikit-learn only when a model is used; the server loads it here, at start-up, so that
# no request pays for the import and its objects are frozen out of the GC with the rest.
assert _scoring_model

MAX_BODY_BYTES = 25 * 1024 * 1024


def _hook(services: Services) -> None:
    if observe_event not in services.event_hooks:
        services.event_hooks.append(observe_event)
    if services.error_rate is None:
        services.error_rate = ErrorRate()


def mount_slack_if_configured(app: FastAPI, settings: Settings) -> None:
    """Mount Slack when a bot token is set; without one, Slack's SDK is never imported."""
    if settings.slack_bot_token:
        from bot.slack.app import mount_slack  # deferred for start-up time: Slack's SDK only when configured

        mount_slack(app, settings)


async def start_slack(app: FastAPI, settings: Settings) -> None:
    if getattr(app.state, "slack_app", None) is not None:
        from bot.slack.app import start_socket_mode  # deferred: loaded by the mount already

        await start_socket_mode(app, settings)


async def stop_slack(app: FastAPI) -> None:
    if getattr(app.state, "slack_app", None) is not None:
        from bot.slack.app import stop_socket_mode  # deferred: loaded by the mount already

        await stop_socket_mode(app)


def freeze_startup_objects() -> None:
    """Move everything allocated at start-up (some 300,000 objects: scikit-learn, SQLAlchemy,
    pydantic-ai...) out of the garbage collector's reach. Otherwise each full collection walks
    them all, a pause of about 200 ms every few thousand requests (bench/capture.py's p99)."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """Build the app. Pass `services` to share them (tests); otherwise they are built at start-up."""
    settings = settings or (services.settings if services else Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = services is None
        app.state.services = services or await build_services(settings)
        _hook(app.state.services)
        freeze_startup_objects()
        cron = None
        if own and not settings.redis_url:
            from workers.cron import EmbeddedCron

            cron = EmbeddedCron(app.state.services.queue, settings)
            cron.start()
        await start_slack(app, settings)
        try:
            yield
        finally:
            await stop_slack(app)
            if cron:
                await cron.stop()
            if own:
                await close_services(app.state.services)

    app = FastAPI(title="Grace", version="0.1.0", lifespan=lifespan,
                  description="Grace runs a consulting agency's client lifecycle. Authenticate with a bearer API key.")
    if services is not None:
        app.state.services = services
        _hook(services)
    install_error_handlers(app)
    install_observability(app)

    app.add_middleware(StorableText)  # inside BodyLimit: it reads bodies already counted
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES,
                       limits=body_limits(default=MAX_BODY_BYTES, form_bytes=settings.form_max_bytes))

    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "web" / "static")), name="static")
    app.include_router(dashboard.router)
    app.include_router(live.router)
    app.include_router(leads.router)
    app.include_router(pipeline.router)
    app.include_router(proposals_api.router)
    app.include_router(proposal_pages.router)
    app.include_router(delivery.router)
    app.include_router(satisfaction.router)
    app.include_router(nps_pages.router)
    app.include_router(billing_routes)
    mount_slack_if_configured(app, settings)
    app.include_router(scoring_api.router)
    app.include_router(forms.router)
    app.include_router(inbound.router)
    return app
