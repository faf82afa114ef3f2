"""Confirm/Cancel of a tool call waiting for the speaker's approval.

`handle_approval_action` acks and queues `slack_decide`, the job that resumes the agent,
marks the question answered and replies in the thread.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from bot.slack.blocks.conversation import decided_blocks, error_text, reply_blocks, reply_text
from bot.slack.ids import ActionId, ApprovalValue
from bot.slack.runtime import slack_client, speaker
from engine.context import Services
from engine.hunter import slack_safe
from tools.conversation import ChatReply, decide

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

log = logging.getLogger("grace.slack")
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


async def slack_decide(ctx: dict[str, Any], p: dict[str, Any]) -> None:
    """Job: resume the agent with the speaker's decision, mark the question answered, reply in the thread."""
    services: Services = ctx["services"]
    client = slack_client(services)
    actor = await speaker(services, p["user"])
    try:
        reply = await decide(services, actor, p["key"], p["call"], p["approve"])
    except Exception:
        log.exception("confirmation failed on %s", p["key"])
        reply = ChatReply(error_text(), refused=True)
    if reply.refused:
        await client.chat_postEphemeral(channel=p["channel"], user=p["user"], text=slack_safe(reply.text))
        return
    question = slack_safe(p["question"])  # our own words, straight to Slack (not via the notifier)
    await client.chat_update(channel=p["channel"], ts=p["message_ts"], text=question,
                             blocks=decided_blocks(question, p["user"], p["approve"]))
    await services.notifier.post(p["channel"], reply_text(reply), blocks=reply_blocks(reply, p["key"]),
                                 thread_ts=p.get("thread_ts"), key=f"slack:decided:{p['key']}:{p['call']}")


def register(app: AsyncApp) -> None:
    app.action(ActionId.CONFIRM.value)(handle_approval_action)
    app.action(ActionId.CANCEL.value)(handle_approval_action)
