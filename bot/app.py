"""The FastAPI application: settings -> services -> routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from bot.api import leads, live, pipeline
from bot.api.errors import install_error_handlers
from bot.limits import BodyLimit
from bot.services import build_services, close_services
from bot.slack.app import mount_slack, start_socket_mode, stop_socket_mode
from engine.config import Settings
from engine.context import Services

MAX_BODY_BYTES = 25 * 1024 * 1024


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """Build the app. Pass `services` to share them (tests); otherwise they are built at start-up."""
    settings = settings or (services.settings if services else Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = services is None
        app.state.services = services or await build_services(settings)
        await start_socket_mode(app, settings)
        try:
            yield
        finally:
            await stop_socket_mode(app)
            if own:
                await close_services(app.state.services)

    app = FastAPI(title="Grace", version="0.1.0", lifespan=lifespan,
                  description="Grace runs a consulting agency's client lifecycle. Authenticate with a bearer API key.")
    if services is not None:
        app.state.services = services
    install_error_handlers(app)

    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)

    app.include_router(live.router)
    app.include_router(leads.router)
    app.include_router(pipeline.router)
    mount_slack(app, settings)
    return app
