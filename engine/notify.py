"""Exactly-once notifications: a message with a key is sent at most once, ever."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

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
        return getattr(self.inner, name)


async def _claim(session: AsyncSession, key: str, channel: str | None) -> bool:
    return await insert_ignore(session, InboundEvent, {
        "source": "notify", "external_id": key[:200], "kind": "message", "payload": {"channel": channel},
        "received_at": utcnow()}, ["source", "external_id"]) is not None
