"""Exactly-once notifications: a message with a key is sent at most once, ever.

Every message also passes Hunter's Slack guard (`slack_safe`): whatever a client or a model
wrote that ends up in a message (names, requirements, proposal titles, agent replies), a
mass mention (`<!channel>`, `<!here>`, `<!everyone>`, `<!subteam^…>`) or a link whose text
shows another domain than it goes to is escaped, so Slack shows it instead of acting on it.
The guard is applied here, on the whole text and every mrkdwn block, rather than at each
interpolation, because it is the one door every message goes through; it leaves our own
formatting alone (`<@U…>` mentions, `<#C…>`, links with a plain label). Code that shows client
text must still escape it with `engine.hunter.detectors.markup.escape_mrkdwn` (`&`, `<`, `>`) so it cannot format at all: the
guard cannot tell `<https://evil|Open signed contract>` typed by a client from a link of ours.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from engine.hunter.detectors.markup import slack_safe
from engine.ports import Notifier
from storage.db import insert_ignore
from storage.models import InboundEvent
from storage.types import utcnow


class KeyedNotifier:
    """Wraps a Notifier: posts with a `key` are recorded first (unique in `inbound_events`,
    source "notify"), so a retried operation or a duplicate webhook never posts twice."""

    def __init__(self, inner: Notifier, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.inner = inner
        self.session_factory = session_factory

    async def post(self, channel: str | None, text: str, *, blocks: list[dict[str, Any]] | None = None,
                   thread_ts: str | None = None, key: str | None = None) -> str | None:
        text, blocks = slack_safe(text), safe_blocks(blocks)
        if key is None:
            return await self.inner.post(channel, text, blocks=blocks, thread_ts=thread_ts)
        async with self.session_factory() as session:
            if not await _claim(session, key, channel):
                return None
            await session.commit()
        ts = await self.inner.post(channel, text, blocks=blocks, thread_ts=thread_ts, key=key)
        async with self.session_factory() as session:
            row = (await session.execute(select(InboundEvent).where(
                InboundEvent.source == "notify", InboundEvent.external_id == key))).scalar_one()
            row.handled_at = utcnow()
            row.payload = {**row.payload, "ts": ts}
            await session.commit()
        return ts

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if name not in ("update", "ephemeral"):
            return attr

        async def guarded(*args: Any, **kwargs: Any) -> Any:  # (channel, ts|user, text, blocks)
            args = tuple(slack_safe(a) if i == 2 and isinstance(a, str) else a for i, a in enumerate(args))
            args = tuple(safe_blocks(a) if i == 3 and isinstance(a, list) else a for i, a in enumerate(args))
            if isinstance(kwargs.get("text"), str):
                kwargs["text"] = slack_safe(kwargs["text"])
            if "blocks" in kwargs:
                kwargs["blocks"] = safe_blocks(kwargs["blocks"])
            return await attr(*args, **kwargs)

        return guarded


def safe_blocks(blocks: Any) -> Any:
    """Block Kit with `slack_safe` applied to every mrkdwn text (plain_text is shown as typed)."""
    if isinstance(blocks, list):
        return [safe_blocks(b) for b in blocks]
    if isinstance(blocks, dict):
        out = {k: safe_blocks(v) for k, v in blocks.items()}
        if out.get("type") == "mrkdwn" and isinstance(out.get("text"), str):
            out["text"] = slack_safe(out["text"])
        return out
    return blocks


async def _claim(session: AsyncSession, key: str, channel: str | None) -> bool:
    return await insert_ignore(session, InboundEvent, {
        "source": "notify", "external_id": key[:200], "kind": "message", "payload": {"channel": channel},
        "received_at": utcnow()}, ["source", "external_id"]) is not None
