"""Parliament buttons: Approve / Reject on a vote message, Cancel build on an approved one.

Each handler acks first, then runs one engine operation as the Slack user's team
member; the message is redrawn by the vote board after the commit. Handlers read
the services from `context["services"]`, set by the app's middleware.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.ids import ActionId, BuildButton, VoteButton
from engine.actors import Actor
from engine.context import Services, unit_of_work
from engine.delivery.build import cancel_build
from engine.errors import GraceError, PolicyDenied
from engine.parliament.rules import Choice
from engine.parliament.votes import cast_vote
from engine.team import actor_for_slack_user

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

ButtonT = TypeVar("ButtonT", bound=BaseModel)

log = logging.getLogger(__name__)
ONLY_APPROVERS = ("Sorry, only approvers can vote on this. Your click was not counted; "
                  "an admin can make you an approver with `grace team add`.")


def register(app: AsyncApp) -> None:
    app.action(ActionId.VOTE_APPROVE.value)(handle_vote_approve_action)
    app.action(ActionId.VOTE_REJECT.value)(handle_vote_reject_action)
    app.action(ActionId.BUILD_CANCEL.value)(handle_build_cancel_action)


async def handle_vote_approve_action(ack: Any, body: dict[str, Any], client: AsyncWebClient,
                                     context: dict[str, Any]) -> None:
    await ack()
    await _vote(body, client, context["services"], Choice.APPROVE)


async def handle_vote_reject_action(ack: Any, body: dict[str, Any], client: AsyncWebClient,
                                    context: dict[str, Any]) -> None:
    await ack()
    await _vote(body, client, context["services"], Choice.REJECT)


async def handle_build_cancel_action(ack: Any, body: dict[str, Any], client: AsyncWebClient,
                                     context: dict[str, Any]) -> None:
    await ack()
    services: Services = context["services"]
    user, channel = _who_where(body)
    clicked = await _clicked(body, client, services, BuildButton)
    if clicked is None:
        return
    button, actor = clicked
    try:
        async with unit_of_work(services, actor) as ctx:
            await cancel_build(ctx, button.project_id)
    except PolicyDenied:
        await _tell(client, channel, user, "Only approvers and the delivery team can cancel a build.")
    except GraceError as e:
        await _tell(client, channel, user, e.message)


async def _clicked(body: dict[str, Any], client: AsyncWebClient, services: Services,
                   payload: type[ButtonT]) -> tuple[ButtonT, Actor] | None:
    """The button's typed payload and the team member who clicked; None (and a word to them) if stale."""
    user, channel = _who_where(body)
    try:
        button = payload.model_validate_json(body["actions"][0]["value"])
    except (ValidationError, KeyError, IndexError):
        await _tell(client, channel, user, "That button is not valid any more.")
        return None
    async with services.session_factory() as session:
        return button, await actor_for_slack_user(session, user)


async def _vote(body: dict[str, Any], client: AsyncWebClient, services: Services, choice: Choice) -> None:
    user, channel = _who_where(body)
    clicked = await _clicked(body, client, services, VoteButton)
    if clicked is None:
        return
    button, actor = clicked
    try:
        async with unit_of_work(services, actor) as ctx:
            result = await cast_vote(ctx, button.vote_id, choice)
    except PolicyDenied:
        await _tell(client, channel, user, ONLY_APPROVERS)
        return
    except GraceError as e:
        await _tell(client, channel, user, e.message)
        return
    if not result.counted:
        mine = next((v.choice for v in result.vote.voters if v.user == user), choice.value)
        await _tell(client, channel, user, f"Your vote ({mine}) was already counted; it counts once.")


def _who_where(body: dict[str, Any]) -> tuple[str, str]:
    user = body.get("user", {}).get("id", "")
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id", "")
    return user, channel


async def _tell(client: AsyncWebClient, channel: str, user: str, text: str) -> None:
    if channel and user:
        await client.chat_postEphemeral(channel=channel, user=user, text=text)
