"""The Bolt app, built once at start-up, mounted on `POST /slack/events` (or Socket Mode).

Slack is on when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set (or SLACK_APP_TOKEN
for Socket Mode); otherwise the server runs without it and says so in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp

from bot.slack import actions, commands, events, views
from bot.slack.client import build_client
from engine.config import Settings
from engine.context import Services

log = logging.getLogger("grace.slack")

# Web API methods the code calls, and the scopes they need (manifest.yml must list exactly these).
METHOD_SCOPES: dict[str, str | None] = {
    "auth.test": None, "chat.postMessage": "chat:write", "chat.update": "chat:write",
    "chat.postEphemeral": "chat:write", "views.publish": None,
}
EVENT_SCOPES = {"app_mention": "app_mentions:read", "message.im": "im:history", "app_home_opened": None}
COMMAND_SCOPE = "commands"


def slack_enabled(settings: Settings) -> bool:
    return bool(settings.slack_bot_token and (settings.slack_signing_secret or settings.slack_app_token))


def build_slack_app(settings: Settings, get_services: Callable[[], Services]) -> AsyncApp:
    app = AsyncApp(client=build_client(settings), signing_secret=settings.slack_signing_secret or None,
                   name="grace", request_verification_enabled=bool(settings.slack_signing_secret))

    @app.middleware
    async def inject_services(context: dict[str, Any], next: Callable[[], Any]) -> None:
        context["services"] = get_services()
        await next()

    events.register(app)
    commands.register(app)
    actions.register(app)
    views.register(app)
    return app


def mount_slack(api: FastAPI, settings: Settings) -> AsyncApp | None:
    """Mount `POST /slack/events` when Slack is configured; log how to turn it on otherwise."""
    if not slack_enabled(settings):
        if settings.slack_bot_token:  # without any token, bot.services already said Slack is off
            log.warning("Slack is off: SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (Events API) nor "
                        "SLACK_APP_TOKEN (Socket Mode) is; see README, 'Slack'.")
        return None
    bolt = build_slack_app(settings, lambda: api.state.services)
    api.state.slack_app = bolt
    if not settings.slack_signing_secret:
        return bolt  # Socket Mode only: no HTTP endpoint to protect
    handler = AsyncSlackRequestHandler(bolt)
    router = APIRouter()

    @router.post("/slack/events", include_in_schema=False)
    async def slack_events(request: Request) -> Any:
        return await handler.handle(request)

    api.include_router(router)
    return bolt


async def start_socket_mode(api: FastAPI, settings: Settings) -> None:
    """With SLACK_APP_TOKEN, receive events over Socket Mode (no public URL needed)."""
    bolt = getattr(api.state, "slack_app", None)
    if bolt is None or not settings.slack_app_token:
        return
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(bolt, settings.slack_app_token)
    await handler.connect_async()
    api.state.slack_socket = handler
    log.info("Slack Socket Mode connected")


async def stop_socket_mode(api: FastAPI) -> None:
    handler = getattr(api.state, "slack_socket", None)
    if handler is not None:
        await handler.close_async()
