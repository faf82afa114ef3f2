"""Slash commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.slack.commands import grace

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp


def register(app: AsyncApp) -> None:
    grace.register(app)
