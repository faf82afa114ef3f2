"""`/grace help|pipeline|revenue [period]|lead ID|upwork <job post>|<free text>`.

`handle_grace_command` acks (help is answered in the ack) and stores the command once;
`slack_answer_command` is the job that answers it in the channel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.slack.blocks.conversation import reply_blocks, reply_text
from bot.slack.blocks.help import HELP, help_blocks
from bot.slack.dispatch import SOURCE, queue_once
from bot.slack.ids import COMMAND
from bot.slack.runtime import converse_safely, speaker
from engine.actors import Actor
from engine.context import OperationContext, Services, unit_of_work
from engine.errors import GraceError, PolicyDenied
from engine.inbound import mark_inbound_handled
from engine.pipeline.leads import get_lead
from engine.pipeline.metrics import get_pipeline_metrics, get_revenue_stats
from engine.sources.upwork import capture_upwork_post
from tools.conversation import ChatReply, ToolOutcome
from tools.offline.replies import summarise
from tools.pipeline import lead_card

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp


async def handle_grace_command(ack: Any, command: dict[str, Any], context: dict[str, Any]) -> None:
    text = (command.get("text") or "").strip()
    if text.lower() in ("", "help", "?"):
        await ack(text=HELP, blocks=help_blocks())
        return
    await ack()
    trigger = command.get("trigger_id") or f"{command['channel_id']}:{command['user_id']}:{text}"
    payload = {"trigger_id": trigger, "user": command["user_id"], "channel": command["channel_id"], "text": text}
    await queue_once(context["services"], f"command:{trigger}", "command", slack_answer_command.__name__, payload)


async def slack_answer_command(ctx: dict[str, Any], p: dict[str, Any]) -> None:
    """Job: `/grace pipeline|revenue [period]|lead ID|upwork …|<free text>`, answered in the channel."""
    services: Services = ctx["services"]
    actor = await speaker(services, p["user"])
    reply = await _command_reply(services, actor, p)
    key = f"slack:{p['channel']}:cmd:{p['user']}"
    await services.notifier.post(p["channel"], reply_text(reply), blocks=reply_blocks(reply, key),
                                 key=f"slack:command:{p['trigger_id']}")
    await mark_inbound_handled(services.session_factory, SOURCE, f"command:{p['trigger_id']}")


async def _command_reply(services: Services, actor: Actor, p: dict[str, Any]) -> ChatReply:
    words = p["text"].split()
    verb = words[0].lower() if words else ""
    try:
        async with unit_of_work(services, actor) as ctx:
            if verb == "pipeline" and len(words) == 1:
                m = (await get_pipeline_metrics(ctx)).model_dump(mode="json")
                return ChatReply(f"Pipeline: {m['total_leads']} leads.", [ToolOutcome("pipeline_metrics", {}, m, True)])
            if verb == "revenue" and len(words) <= 2:
                r = (await get_revenue_stats(ctx, words[1] if len(words) == 2 else "all")).model_dump(mode="json")
                return ChatReply(f"Revenue ({r['period']}).", [ToolOutcome("revenue_stats", {}, r, True)])
            if verb == "upwork":
                return await _upwork(ctx, p["text"].strip()[len("upwork"):].strip())
            if verb == "lead" and len(words) == 2 and words[1].lstrip("#").isdigit():
                v = (await get_lead(ctx, int(words[1].lstrip("#")))).model_dump(mode="json")
                v["lead_id"] = v.pop("id")
                return ChatReply(f"Lead #{v['lead_id']}.", [ToolOutcome("get_lead", {}, v, True)])
    except PolicyDenied as e:
        return ChatReply(f"Sorry — {e.message}")
    except GraceError as e:
        return ChatReply(e.message)
    return await converse_safely(services, actor, f"slack:{p['channel']}:cmd:{p['user']}", p["text"])


async def _upwork(ctx: OperationContext, text: str) -> ChatReply:
    """`/grace upwork <pasted job post>`: the post becomes a lead directly (no model reads it)."""
    if not text:
        return ChatReply("Paste the job post after the command: `/grace upwork <the job post or its URL>`.")
    result = await capture_upwork_post(ctx, text)
    card = {**lead_card(await get_lead(ctx, result.lead_id)), **result.model_dump(mode="json")}
    outcome = ToolOutcome("capture_upwork_post", {"text": text}, card, True)
    return ChatReply(summarise("capture_upwork_post", card), [outcome])


def register(app: AsyncApp) -> None:
    app.command(COMMAND)(handle_grace_command)
