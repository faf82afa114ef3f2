"""Inbound events are rows first: stored once under their external id, then handled.

`record_inbound` inserts (on conflict do nothing) and says whether the row is new,
which is how a retried Slack event or a double-clicked button becomes one effect.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import insert_ignore
from storage.models import InboundEvent
from storage.types import utcnow


async def record_inbound(session_factory: async_sessionmaker[AsyncSession], source: str, external_id: str,
                         kind: str | None = None, payload: dict[str, Any] | None = None) -> bool:
    """Store the event; True when it was not seen before (committed before returning)."""
    async with session_factory() as session:
        new = await insert_ignore(session, InboundEvent, {
            "source": source, "external_id": external_id[:200], "kind": kind, "payload": payload or {},
            "received_at": utcnow()}, ["source", "external_id"]) is not None
        await session.commit()
    return new


async def mark_inbound_handled(session_factory: async_sessionmaker[AsyncSession], source: str, external_id: str,
                               error: str | None = None) -> None:
    async with session_factory() as session:
        await session.execute(update(InboundEvent).where(
            InboundEvent.source == source, InboundEvent.external_id == external_id[:200],
        ).values(handled_at=utcnow(), error=error))
        await session.commit()
