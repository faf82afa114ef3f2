"""A reading picked among the two the agent offered when it was unsure of a message.

`handle_choice_action` acks and queues `slack_choose`, the job that says the reading's number in the
thread as the person who clicked (so their role and any confirmation apply, as if they had typed it),
marks the question answered and replies in the thread. A second click on the same question does nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from bot.slack.actions.approvals import _question
from bot.slack.blocks.conversation import chosen_blocks, reply_blocks, reply_text
from bot.slack.ids import ActionId, ChoiceValue
from bot.slack.runtime import converse_safely, slack_client, speaker
from engine.context import Services
from engine.hunter import slack_safe
from engine.inbound import record_inbound

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp


async def handle_choice_action(ack: Any, body: dict[str, Any], action: dict[str, Any],
                               context: dict[str, Any]) -> None:
    await ack()
    try:
        value = ChoiceValue.model_validate_json(action.get("value") or "")
    except ValidationError:
        return
    container = body.get("container") or {}
    message = body.get("message") or {}
    payload = {
        "key": value.k, "number": value.n, "user": body["user"]["id"],
        "channel": container.get("channel_id") or body["channel"]["id"],
        "message_ts": container.get("message_ts") or message.get("ts"),
        "thread_ts": container.get("thread_ts") or message.get("thread_ts"), "question": _question(body),
    }
    await context["services"].queue.enqueue(slack_choose.__name__, payload)


async def slack_choose(ctx: dict[str, Any], p: dict[str, Any]) -> None:
    """Job: take reading 1 or 2 once per question, mark the question answered, reply in the thread."""
    services: Services = ctx["services"]
    client = slack_client(services)
    if not await record_inbound(services.session_factory, "slack_choice", f"{p['key']}:{p['message_ts']}",
                                "choice", {"number": p["number"], "by": p["user"]}):
        await client.chat_postEphemeral(channel=p["channel"], user=p["user"], text="This was already answered.")
        return
    actor = await speaker(services, p["user"])
    reply = await converse_safely(services, actor, p["key"], str(p["number"]))
    question = slack_safe(p["question"])  # our own words, straight to Slack (not via the notifier)
    await client.chat_update(channel=p["channel"], ts=p["message_ts"], text=question,
                             blocks=chosen_blocks(question, p["user"], p["number"]))
    await services.notifier.post(p["channel"], reply_text(reply), blocks=reply_blocks(reply, p["key"]),
                                 thread_ts=p.get("thread_ts"), key=f"slack:chosen:{p['key']}:{p['message_ts']}")


def register(app: AsyncApp) -> None:
    app.action(ActionId.CHOOSE.value)(handle_choice_action)
