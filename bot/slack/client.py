"""The Slack Web API client, built once at start-up."""

from __future__ import annotations

from typing import Any

from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from engine.config import Settings


def build_client(settings: Settings) -> AsyncWebClient:
    base = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    return AsyncWebClient(token=settings.slack_bot_token, base_url=base,
                          retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=3)])


class SlackNotifier:
    """The engine's Notifier, speaking Slack: `chat.postMessage`, in a thread when asked."""

    def __init__(self, client: AsyncWebClient, default_channel: str | None = None) -> None:
        self.client = client
        self.default_channel = default_channel

    async def post(self, channel: str | None, text: str, *, blocks: list[dict[str, Any]] | None = None,
                   thread_ts: str | None = None, key: str | None = None) -> str | None:
        target = channel or self.default_channel
        if not target:
            return None
        kwargs: dict[str, Any] = {"channel": target, "text": text}
        if blocks:
            kwargs["blocks"] = blocks
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        resp = await self.client.chat_postMessage(**kwargs)
        return str(resp.get("ts")) if resp.get("ts") else None

    async def update(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        await self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks or [])

    async def ephemeral(self, channel: str, user: str, text: str) -> None:
        await self.client.chat_postEphemeral(channel=channel, user=user, text=text)
