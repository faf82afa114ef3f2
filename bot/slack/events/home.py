"""Opening Grace's Home tab publishes the pipeline at a glance."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.slack.dispatch import queue_once


async def handle_app_home_opened_event(body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]) -> None:
    if event.get("tab", "home") != "home":
        return
    event_id = body.get("event_id") or f"home:{event['user']}:{event.get('event_ts')}"
    await queue_once(context["services"], event_id, "app_home_opened", "slack_publish_home", {"user": event["user"]})


def register(app: AsyncApp) -> None:
    app.event("app_home_opened")(handle_app_home_opened_event)
