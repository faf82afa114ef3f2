"""The FastAPI application: settings -> services -> routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bot.api import forms, inbound, leads, live, pipeline
from bot.api.errors import install_error_handlers
from bot.services import build_services, close_services
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
        try:
            yield
        finally:
            if own:
                await close_services(app.state.services)

    app = FastAPI(title="Grace", version="0.1.0", lifespan=lifespan,
                  description="Grace runs a consulting agency's client lifecycle. Authenticate with a bearer API key.")
    if services is not None:
        app.state.services = services
    install_error_handlers(app)

    @app.middleware("http")
    async def limit_body(request: Request, call_next):  # type: ignore[no-untyped-def]
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
            return JSONResponse({"error": "too_large", "message": "The request body is larger than 25 MB."},
                                status_code=413)
        return await call_next(request)

    app.include_router(live.router)
    app.include_router(leads.router)
    app.include_router(pipeline.router)
    app.include_router(forms.router)
    app.include_router(inbound.router)
    return app
