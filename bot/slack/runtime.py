"""What the Slack listeners' jobs share: this process's Web API client, the speaker as an actor,
and the agent run so that a failure is a short sentence, never a stack trace."""

from __future__ import annotations

import logging

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks.conversation import error_text
from bot.slack.client import build_client
from engine.actors import Actor
from engine.context import Services
from engine.errors import GraceError
from engine.team import actor_for_slack_user
from tools.conversation import ChatReply, converse

log = logging.getLogger("grace.slack")


def slack_client(services: Services) -> AsyncWebClient:
    """One Web API client per process, for calls that are not keyed posts (updates, ephemerals, views)."""
    if services.slack_client is None:
        services.slack_client = build_client(services.settings)
    return services.slack_client  # type: ignore[no-any-return]


async def speaker(services: Services, slack_user: str) -> Actor:
    """The team member behind a Slack user id (a stranger gets the least role)."""
    async with services.session_factory() as session:
        return await actor_for_slack_user(session, slack_user)


async def converse_safely(services: Services, actor: Actor, key: str, text: str) -> ChatReply:
    try:
        return await converse(services, actor, key, text)
    except GraceError as e:
        return ChatReply(e.message)
    except Exception:
        log.exception("agent failed on %s", key)
        return ChatReply(error_text())
