"""Mentions in channels and direct messages go to the agent; the answer goes in the thread."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.slack.dispatch import queue_once


def _from_a_person(event: dict[str, Any]) -> bool:
    # Bolt already drops our own events; other bots and edits/joins (subtypes) are not people talking.
    return not event.get("bot_id") and not event.get("subtype") and bool(event.get("user"))


async def _to_agent(body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]) -> None:
    if not _from_a_person(event) or not (event.get("text") or "").strip():
        return
    event_id = body.get("event_id") or f"{event['channel']}:{event['ts']}"
    payload = {"event_id": event_id, "user": event["user"], "channel": event["channel"],
               "thread_ts": event.get("thread_ts") or event["ts"], "text": event["text"]}
    await queue_once(context["services"], event_id, event["type"], "slack_answer_message", payload)


async def handle_app_mention_event(body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]) -> None:
    await _to_agent(body, event, context)


async def handle_direct_message_event(body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]) -> None:
    if event.get("channel_type") == "im":
        await _to_agent(body, event, context)


def register(app: AsyncApp) -> None:
    app.event("app_mention")(handle_app_mention_event)
    app.event("message")(handle_direct_message_event)
