"""Event listeners (Events API / Socket Mode)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack.events import home, messages


def register(app: AsyncApp) -> None:
    messages.register(app)
    home.register(app)
