"""Telling the team about payments (Slack in production, the log otherwise)."""

from __future__ import annotations

from engine.context import OperationContext


def billing_channel(ctx: OperationContext) -> str | None:
    s = ctx.settings
    return s.billing_channel or s.alerts_channel or None


def tell_team_after_commit(ctx: OperationContext, text: str, key: str) -> None:
    """Post once the transaction commits; `key` makes a retried post a no-op for notifiers that honour it."""
    channel = billing_channel(ctx)
    notifier = ctx.services.notifier

    async def post() -> None:
        await notifier.post(channel, text, key=key)

    ctx.after_commit(post)
