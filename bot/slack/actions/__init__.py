"""Interactive components (buttons): one listener per `bot.slack.ids.ActionId`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.slack.actions import approvals, choices, links, votes

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp


def register(app: AsyncApp) -> None:
    approvals.register(app)
    choices.register(app)
    votes.register(app)
    links.register(app)
