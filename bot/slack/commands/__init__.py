"""Slash commands."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack.commands import grace


def register(app: AsyncApp) -> None:
    grace.register(app)
