"""Confirm/Cancel of a tool call waiting for the speaker's approval."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from slack_bolt.async_app import AsyncApp

from bot.slack.ids import ActionId, ApprovalValue
from bot.slack.jobs import slack_decide

QUESTION_FALLBACK = "Confirmation"


def _question(body: dict[str, Any]) -> str:
    """The question the buttons answer: the message's last section before them."""
    sections = [(b.get("text") or {}).get("text") for b in (body.get("message") or {}).get("blocks", [])
                if b.get("type") == "section"]
    texts = [t for t in sections if t]
    return texts[-1] if texts else QUESTION_FALLBACK


async def handle_approval_action(ack: Any, body: dict[str, Any], action: dict[str, Any],
                                 context: dict[str, Any]) -> None:
    await ack()
    try:
        value = ApprovalValue.model_validate_json(action.get("value") or "")
    except ValidationError:
        return
    container = body.get("container") or {}
    message = body.get("message") or {}
    payload = {
        "key": value.k, "call": value.c, "approve": action["action_id"] == ActionId.CONFIRM.value,
        "user": body["user"]["id"], "channel": container.get("channel_id") or body["channel"]["id"],
        "message_ts": container.get("message_ts") or message.get("ts"),
        "thread_ts": container.get("thread_ts") or message.get("thread_ts"), "question": _question(body),
    }
    services = context["services"]
    # Not deduplicated here: `decide` claims the call once, so a double click or a second
    # person's click is answered, not executed twice.
    await services.queue.enqueue(slack_decide.__name__, payload)


def register(app: AsyncApp) -> None:
    app.action(ActionId.CONFIRM.value)(handle_approval_action)
    app.action(ActionId.CANCEL.value)(handle_approval_action)
