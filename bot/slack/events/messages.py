"""Mentions in channels and direct messages go to the agent; the answer goes in the thread.

`handle_*_event` acks (Bolt does, on return) after storing the event once; `slack_answer_message`
is the job that runs the agent and answers, once per event id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.slack.blocks.conversation import reply_blocks, reply_text
from bot.slack.dispatch import SOURCE, queue_once
from bot.slack.runtime import converse_safely, speaker
from engine.context import Services
from engine.inbound import mark_inbound_handled

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp


def _from_a_person(event: dict[str, Any]) -> bool:
    # Bolt already drops our own events; other bots and edits/joins (subtypes) are not people talking.
    return not event.get("bot_id") and not event.get("subtype") and bool(event.get("user"))


async def _to_agent(body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]) -> None:
    if not _from_a_person(event) or not (event.get("text") or "").strip():
        return
    event_id = body.get("event_id") or f"{event['channel']}:{event['ts']}"
    payload = {"event_id": event_id, "user": event["user"], "channel": event["channel"],
               "thread_ts": event.get("thread_ts") or event["ts"], "text": event["text"]}
    await queue_once(context["services"], event_id, event["type"], slack_answer_message.__name__, payload)


async def handle_app_mention_event(body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]) -> None:
    await _to_agent(body, event, context)


async def handle_direct_message_event(body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]) -> None:
    if event.get("channel_type") == "im":
        await _to_agent(body, event, context)


async def slack_answer_message(ctx: dict[str, Any], p: dict[str, Any]) -> None:
    """Job: run the agent as the speaker and answer once, in the thread."""
    services: Services = ctx["services"]
    actor = await speaker(services, p["user"])
    key = f"slack:{p['channel']}:{p['thread_ts']}"
    reply = await converse_safely(services, actor, key, p["text"])
    await services.notifier.post(p["channel"], reply_text(reply), blocks=reply_blocks(reply, key),
                                 thread_ts=p["thread_ts"], key=f"slack:reply:{p['event_id']}")
    await mark_inbound_handled(services.session_factory, SOURCE, p["event_id"])


def register(app: AsyncApp) -> None:
    app.event("app_mention")(handle_app_mention_event)
    app.event("message")(handle_direct_message_event)
