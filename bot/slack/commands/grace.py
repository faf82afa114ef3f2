"""`/grace help|pipeline|revenue [period]|lead ID|upwork <job post>|<free text>`."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.slack.dispatch import queue_once
from bot.slack.ids import COMMAND
from bot.slack.jobs import HELP


async def handle_grace_command(ack: Any, command: dict[str, Any], context: dict[str, Any]) -> None:
    text = (command.get("text") or "").strip()
    if text.lower() in ("", "help", "?"):
        await ack(text=HELP)
        return
    await ack()
    trigger = command.get("trigger_id") or f"{command['channel_id']}:{command['user_id']}:{text}"
    payload = {"trigger_id": trigger, "user": command["user_id"], "channel": command["channel_id"], "text": text}
    await queue_once(context["services"], f"command:{trigger}", "command", "slack_answer_command", payload)


def register(app: AsyncApp) -> None:
    app.command(COMMAND)(handle_grace_command)
