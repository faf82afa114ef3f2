"""What the Slack listeners' jobs share: this process's Web API client, the speaker as an actor,
and the agent run so that a failure is a short sentence, never a stack trace."""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks.conversation import error_text, reply_blocks, reply_text
from bot.slack.client import build_client
from engine.actors import Actor
from engine.context import Services
from engine.errors import GraceError
from engine.team import actor_for_slack_user, has_role
from tools.conversation import ChatReply, converse

log = logging.getLogger("grace.slack")


def slack_client(services: Services) -> AsyncWebClient:
    """One Web API client per process, for calls that are not keyed posts (updates, ephemerals, views)."""
    if services.slack_client is None:
        services.slack_client = build_client(services.settings)
    return services.slack_client  # type: ignore[no-any-return]


IDENTITY_SECONDS = 300.0  # how long a member's guest/external status is trusted before asking Slack again
# Reads that show a client's data (names, e-mails, budgets, requirements, scores, satisfaction).
# What someone just did (a capture, a proposal, a delivery) stays in the channel for the team.
CLIENT_DATA_TOOLS = frozenset({"show_lead", "find_leads", "get_lead", "get_satisfaction", "predict_close",
                               "suggest_next_action"})
SHARE_WORD = "share"
HOME_TEAM = "__home_team__"  # the workspace the app is installed in, in the identity cache


async def speaker(services: Services, slack_user: str) -> Actor:
    """The team member behind a Slack user id, with their role; no role (only help) for a stranger,
    a workspace guest or an external (Slack Connect) user, even one named in the team table."""
    async with services.session_factory() as session:
        actor = await actor_for_slack_user(session, slack_user)
        if not has_role(actor):
            return actor
        guest, external = await _guest_or_external(services, slack_user)
        if guest or external:
            return await actor_for_slack_user(session, slack_user, guest=guest, external=external)
    return actor


async def _guest_or_external(services: Services, slack_user: str) -> tuple[bool, bool]:
    """From users.info (cached briefly): guests are restricted accounts, external users belong to
    another workspace. If Slack cannot say, the member is treated as external (no role)."""
    cache = services.slack_identities
    hit = cache.get(slack_user)
    if hit and hit[0] > time.monotonic():
        return hit[1], hit[2]
    client = slack_client(services)
    try:
        home = cache.get(HOME_TEAM)
        if home is None:
            home = cache[HOME_TEAM] = (await client.auth_test()).get("team_id")
        user: dict[str, Any] = (await client.users_info(user=slack_user)).get("user") or {}
    except SlackApiError:
        log.warning("could not read Slack user %s: treated as external (no role)", slack_user)
        return False, True
    guest = bool(user.get("is_restricted") or user.get("is_ultra_restricted"))
    external = bool(user.get("is_stranger")) or bool(home and user.get("team_id") and user["team_id"] != home)
    if len(cache) > 10_000:
        cache.clear()
        cache[HOME_TEAM] = home
    cache[slack_user] = (time.monotonic() + IDENTITY_SECONDS, guest, external)
    return guest, external


def wants_to_share(text: str) -> tuple[str, bool]:
    """`... share` (or `share ...`) asks for the answer to go to the whole channel."""
    words = text.split()
    if words and words[-1].lower() == SHARE_WORD:
        return " ".join(words[:-1]), True
    if words and words[0].lower() == SHARE_WORD:
        return " ".join(words[1:]), True
    return text, False


def shows_client_data(reply: ChatReply) -> bool:
    return any(o.tool in CLIENT_DATA_TOOLS for o in reply.outcomes)


async def answer(services: Services, channel: str, user: str, reply: ChatReply, *, key: str, share: bool,
                 post_key: str, thread_ts: str | None = None) -> None:
    """Answer in the channel; a client's data goes only to the person who asked (ephemeral) unless
    they asked to share it, or it is a direct message, or it waits for their confirmation."""
    private = (shows_client_data(reply) and not share and not channel.startswith("D") and not reply.pending)
    if private:
        await slack_client(services).chat_postEphemeral(
            channel=channel, user=user, text=reply_text(reply), blocks=reply_blocks(reply, key), thread_ts=thread_ts)
        return
    await services.notifier.post(channel, reply_text(reply), blocks=reply_blocks(reply, key), thread_ts=thread_ts,
                                 key=post_key)


async def converse_safely(services: Services, actor: Actor, key: str, text: str) -> ChatReply:
    try:
        return await converse(services, actor, key, text)
    except GraceError as e:
        return ChatReply(e.message)
    except Exception:
        log.exception("agent failed on %s", key)
        return ChatReply(error_text())
