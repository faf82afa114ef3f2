"""Interactive components (buttons)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack.actions import approvals, votes


def register(app: AsyncApp) -> None:
    approvals.register(app)
    votes.register(app)
