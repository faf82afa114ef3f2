"""The Slack listeners' slow work, run as jobs after the ack (see STYLE.md, "Ack first").

Each job is idempotent: the inbound event was stored once before it was queued,
the reply is a keyed post (sent at most once), and a Confirm/Cancel is claimed once.
Listed in `bot.jobs.JOBS`, the table both processes run.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import blocks
from bot.slack.client import build_client
from engine.actors import Actor
from engine.context import OperationContext, Services, unit_of_work
from engine.errors import GraceError, PolicyDenied
from engine.hunter import slack_safe
from engine.inbound import mark_inbound_handled
from engine.pipeline.capture import get_lead
from engine.pipeline.metrics import get_pipeline_metrics, get_revenue_stats
from engine.sources.upwork import capture_upwork_post
from engine.team import actor_for_slack_user
from tools.conversation import ChatReply, ToolOutcome, converse, decide
from tools.offline import rules
from tools.offline.replies import summarise
from tools.pipeline import lead_card

log = logging.getLogger("grace.slack")
SOURCE = "slack"


def slack_client(services: Services) -> AsyncWebClient:
    """One Web API client per process, for calls that are not keyed posts (updates, ephemerals, views)."""
    client = services.extras.get("slack_client")
    if client is None:
        client = services.extras["slack_client"] = build_client(services.settings)
    return client


async def speaker(services: Services, slack_user: str) -> Actor:
    async with services.session_factory() as session:
        return await actor_for_slack_user(session, slack_user)


async def _converse_safely(services: Services, actor: Actor, key: str, text: str) -> ChatReply:
    try:
        return await converse(services, actor, key, text)
    except GraceError as e:
        return ChatReply(e.message)
    except Exception:
        log.exception("agent failed on %s", key)
        return ChatReply(blocks.error_text())


async def slack_answer_message(ctx: dict[str, Any], p: dict[str, Any]) -> None:
    """A mention or DM: run the agent as the speaker and answer once, in the thread."""
    services: Services = ctx["services"]
    actor = await speaker(services, p["user"])
    key = f"slack:{p['channel']}:{p['thread_ts']}"
    reply = await _converse_safely(services, actor, key, p["text"])
    await services.notifier.post(p["channel"], reply.text, blocks=blocks.reply_blocks(reply, key),
                                 thread_ts=p["thread_ts"], key=f"slack:reply:{p['event_id']}")
    await mark_inbound_handled(services.session_factory, SOURCE, p["event_id"])


async def slack_decide(ctx: dict[str, Any], p: dict[str, Any]) -> None:
    """A Confirm or Cancel click: resume the agent, mark the question answered, reply in the thread."""
    services: Services = ctx["services"]
    client = slack_client(services)
    actor = await speaker(services, p["user"])
    try:
        reply = await decide(services, actor, p["key"], p["call"], p["approve"])
    except Exception:
        log.exception("confirmation failed on %s", p["key"])
        reply = ChatReply(blocks.error_text(), refused=True)
    if reply.refused:
        await client.chat_postEphemeral(channel=p["channel"], user=p["user"], text=slack_safe(reply.text))
        return
    question = slack_safe(p["question"])  # the agent's words, straight to Slack (not via the notifier)
    await client.chat_update(channel=p["channel"], ts=p["message_ts"], text=question,
                             blocks=blocks.decided_blocks(question, p["user"], p["approve"]))
    await services.notifier.post(p["channel"], reply.text, blocks=blocks.reply_blocks(reply, p["key"]),
                                 thread_ts=p.get("thread_ts"), key=f"slack:decided:{p['key']}:{p['call']}")


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
    return await _converse_safely(services, actor, f"slack:{p['channel']}:cmd:{p['user']}", p["text"])


async def _upwork(ctx: OperationContext, text: str) -> ChatReply:
    """`/grace upwork <pasted job post>`: the post becomes a lead directly (no model reads it)."""
    if not text:
        return ChatReply("Paste the job post after the command: `/grace upwork <the job post or its URL>`.")
    result = await capture_upwork_post(ctx, text)
    card = {**lead_card(await get_lead(ctx, result.lead_id)), **result.model_dump(mode="json")}
    outcome = ToolOutcome("capture_upwork_post", {"text": text}, card, True)
    return ChatReply(summarise("capture_upwork_post", card), [outcome])


async def slack_answer_command(ctx: dict[str, Any], p: dict[str, Any]) -> None:
    """`/grace pipeline|revenue [period]|lead ID|<free text>`, answered in the channel."""
    services: Services = ctx["services"]
    actor = await speaker(services, p["user"])
    reply = await _command_reply(services, actor, p)
    key = f"slack:{p['channel']}:cmd:{p['user']}"
    await services.notifier.post(p["channel"], reply.text, blocks=blocks.reply_blocks(reply, key),
                                 key=f"slack:command:{p['trigger_id']}")
    await mark_inbound_handled(services.session_factory, SOURCE, f"command:{p['trigger_id']}")


async def slack_publish_home(ctx: dict[str, Any], p: dict[str, Any]) -> None:
    """The Home tab: the pipeline at a glance, as the viewer's role allows."""
    services: Services = ctx["services"]
    actor = await speaker(services, p["user"])
    metrics: dict[str, Any] | None
    try:
        async with unit_of_work(services, actor) as octx:
            metrics = (await get_pipeline_metrics(octx)).model_dump(mode="json")
    except PolicyDenied:
        metrics = None
    await slack_client(services).views_publish(user_id=p["user"], view=blocks.home_view(metrics, actor.role.value))


HELP = ("*Grace* — `/grace pipeline`, `/grace revenue [month|quarter|year]`, `/grace lead 12`, "
        "`/grace upwork <pasted job post>`, "
        "or `/grace <anything>` to talk to me. " + rules.HELP_TEXT)
