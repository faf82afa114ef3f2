"""Opening Grace's Home tab publishes the pipeline at a glance (the job `slack_publish_home`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.slack.blocks.home import home_view
from bot.slack.dispatch import queue_once
from bot.slack.runtime import slack_client, speaker
from engine.context import Services, unit_of_work
from engine.errors import PolicyDenied
from engine.pipeline.metrics import get_pipeline_metrics

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp


async def handle_app_home_opened_event(body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]) -> None:
    if event.get("tab", "home") != "home":
        return
    event_id = body.get("event_id") or f"home:{event['user']}:{event.get('event_ts')}"
    await queue_once(context["services"], event_id, "app_home_opened", slack_publish_home.__name__,
                     {"user": event["user"]})


async def slack_publish_home(ctx: dict[str, Any], p: dict[str, Any]) -> None:
    """Job: the Home tab, the pipeline as the viewer's role allows (publishing twice shows the same)."""
    services: Services = ctx["services"]
    actor = await speaker(services, p["user"])
    metrics: dict[str, Any] | None
    try:
        async with unit_of_work(services, actor) as octx:
            metrics = (await get_pipeline_metrics(octx)).model_dump(mode="json")
    except PolicyDenied:
        metrics = None
    await slack_client(services).views_publish(user_id=p["user"], view=home_view(metrics, actor.role.value))


def register(app: AsyncApp) -> None:
    app.event("app_home_opened")(handle_app_home_opened_event)
