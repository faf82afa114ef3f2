"""The append-only, hash-chained audit log.

Each entry's hash is sha256(prev_hash + canonical JSON of the entry). Writers are
serialised (a transaction-scoped advisory lock on PostgreSQL; `BEGIN IMMEDIATE`
on SQLite), so concurrent transactions never fork the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import dialect_name
from storage.models import AuditEntry
from storage.types import utcnow

GENESIS = "0" * 64
# Arbitrary constant key for pg_advisory_xact_lock: "the audit chain".
AUDIT_LOCK_KEY = 0x6A7D17


def jsonable(value: Any) -> Any:
    """Turn a details dict into plain JSON values (what is stored is what is hashed)."""

    def default(v: Any) -> Any:
        if isinstance(v, Decimal):
            return str(v)
        if isinstance(v, datetime):
            return v.isoformat()
        if hasattr(v, "model_dump"):
            return v.model_dump(mode="json")
        return str(v)

    return json.loads(json.dumps(value, default=default))


def entry_hash(prev_hash: str, seq: int, at: datetime, actor: str, action: str,
               subject: str | None, details: dict[str, Any]) -> str:
    body = {
        "seq": seq,
        "at": at.isoformat(),
        "actor": actor,
        "action": action,
        "subject": subject,
        "details": details,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


@dataclass(slots=True)
class PendingAudit:
    actor: str
    action: str
    subject: str | None
    details: dict[str, Any]


_TAIL = select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
_LOCK = text("SELECT pg_advisory_xact_lock(:k)")
_INSERT = insert(cast(Table, AuditEntry.__table__))


async def append_entries(session: AsyncSession, entries: list[PendingAudit]) -> list[dict[str, Any]]:
    """Append entries to the chain inside the caller's transaction (called just before commit).
    Returns the rows written."""
    if not entries:
        return []
    if dialect_name(session) == "postgresql":
        # Its own statement: a READ COMMITTED statement sees what was committed before it began,
        # so the tail must be read by a later statement than the one that waited for the lock.
        await session.execute(_LOCK, {"k": AUDIT_LOCK_KEY})
    last = (await session.execute(_TAIL)).first()
    seq, prev = (last[0], last[1]) if last else (0, GENESIS)
    rows = []
    for e in entries:
        seq += 1
        at = utcnow()
        details = jsonable(e.details)
        h = entry_hash(prev, seq, at, e.actor, e.action, e.subject, details)
        rows.append({"seq": seq, "at": at, "actor": e.actor, "action": e.action, "subject": e.subject,
                     "details": details, "prev_hash": prev, "hash": h})
        prev = h
    await session.execute(_INSERT, rows)
    return rows


@dataclass(slots=True)
class ChainReport:
    ok: bool
    entries: int
    first_broken_seq: int | None = None
    problem: str | None = None


async def verify_audit_chain(session: AsyncSession, batch: int = 5000) -> ChainReport:
    """Walk the chain in order; report the first entry whose link or hash does not hold."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    last_seq = 0
    while True:
        rows = (
            await session.execute(
                select(AuditEntry).where(AuditEntry.seq > last_seq).order_by(AuditEntry.seq).limit(batch)
            )
        ).scalars().all()
        if not rows:
            break
        for r in rows:
            if r.seq != expected_seq:
                return ChainReport(False, count, expected_seq, f"entry {expected_seq} is missing")
            if r.prev_hash != prev:
                return ChainReport(False, count, r.seq, "prev_hash does not match the previous entry")
            h = entry_hash(r.prev_hash, r.seq, r.at, r.actor, r.action, r.subject, r.details)
            if h != r.hash:
                return ChainReport(False, count, r.seq, "hash does not match the entry's content")
            prev = r.hash
            expected_seq += 1
            count += 1
            last_seq = r.seq
        session.expunge_all()
    return ChainReport(True, count)
