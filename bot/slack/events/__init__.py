"""Event listeners (Events API / Socket Mode)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.slack.events import home, messages

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp


def register(app: AsyncApp) -> None:
    messages.register(app)
    home.register(app)
