"""The append-only, hash-chained audit log.

Each entry's hash is sha256(prev_hash + canonical JSON of the entry). Writers are
serialised (a transaction-scoped advisory lock on PostgreSQL, taken with the tail read, the
hashing and the insert in one call of `grace_audit_append`; `BEGIN IMMEDIATE` on SQLite), so
concurrent transactions never fork the chain.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Executable, Table, bindparam, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import dialect_name
from storage.models import AuditEntry
from storage.types import utcnow

GENESIS = "0" * 64


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


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_parts(actor: str, action: str, subject: str | None, details: dict[str, Any]) -> tuple[str, str, str]:
    """The canonical JSON of an entry, as `(head, details_json, tail)` around `at` and `seq`.

    `canonical(...)` of them is `json.dumps({"seq", "at", "actor", "action", "subject", "details"},
    sort_keys=True, compact)`; split so that PostgreSQL can fill in the two values that are only
    known under the chain's lock (migration 0012 concatenates the same way)."""
    return (f'{{"action":{_dumps(action)},"actor":{_dumps(actor)},"at":"', _dumps(details),
            f',"subject":{_dumps(subject)}}}')


def canonical(head: str, at_iso: str, details_json: str, seq: int, tail: str) -> str:
    return f'{head}{at_iso}","details":{details_json},"seq":{seq}{tail}'


def entry_hash(prev_hash: str, seq: int, at: datetime, actor: str, action: str,
               subject: str | None, details: dict[str, Any]) -> str:
    head, details_json, tail = canonical_parts(actor, action, subject, details)
    return hashlib.sha256((prev_hash + canonical(head, at.isoformat(), details_json, seq, tail)).encode()).hexdigest()


@dataclass(slots=True)
class PendingAudit:
    actor: str
    action: str
    subject: str | None
    details: dict[str, Any]


# A write whose result nobody reads, with its parameters: run together with the audit entries.
Write = tuple[Executable, dict[str, Any]]

_TAIL = select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
_INSERT = insert(cast(Table, AuditEntry.__table__))
# PostgreSQL: lock, tail, hash and insert in one round trip (migration 0012).
_APPEND_ARGS = ("actors", "actions", "subjects", "heads", "details", "tails")
_APPENDED = func.grace_audit_append(*map(bindparam, _APPEND_ARGS)).table_valued(
    "entry_seq", "entry_at", "entry_prev", "entry_hash")
_APPEND_PG = select(_APPENDED.c.entry_seq, _APPENDED.c.entry_at, _APPENDED.c.entry_prev, _APPENDED.c.entry_hash)


@functools.lru_cache(maxsize=64)
def _append_with(write: Executable) -> Any:
    """WITH deferred_write AS (<write>) SELECT .. FROM grace_audit_append(..): the write and the
    chain's append in one statement. Built once per write statement (the writes are built once too), so
    SQLAlchemy's compiled cache hits."""
    return _APPEND_PG.add_cte(cast(Any, write).cte("deferred_write"))


async def append_entries(session: AsyncSession, entries: list[PendingAudit],
                         carry: Write | None = None) -> list[dict[str, Any]]:
    """Append entries to the chain inside the caller's transaction (called just before commit).
    Returns the rows written.

    `carry`: a write to run with them. On PostgreSQL it travels inside the audit statement as a
    data-modifying CTE (one round trip for both: the CTE and the append see the same snapshot,
    and neither reads what the other writes); otherwise it runs just before."""
    if carry is not None:
        clash = carry[1].keys() & _APPEND_ARGS  # refused on both databases, though only PostgreSQL merges them
        if clash:
            raise ValueError(f"a write carried by the audit append reuses its parameter names: {sorted(clash)}")
    postgresql = dialect_name(session) == "postgresql"
    if carry is not None and not (postgresql and entries):
        await session.execute(*carry)
        carry = None
    if not entries:
        return []
    if postgresql:
        return await _append_postgresql(session, entries, carry)
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


async def _append_postgresql(session: AsyncSession, entries: list[PendingAudit],
                             write: Write | None) -> list[dict[str, Any]]:
    # The chain is serialised by a transaction-scoped advisory lock taken inside the function;
    # a READ COMMITTED statement of a VOLATILE function sees the tail committed while it waited.
    details = [jsonable(e.details) for e in entries]
    parts = [canonical_parts(e.actor, e.action, e.subject, d) for e, d in zip(entries, details, strict=True)]
    params = {
        "actors": [e.actor for e in entries], "actions": [e.action for e in entries],
        "subjects": [e.subject for e in entries], "heads": [p[0] for p in parts],
        "details": [p[1] for p in parts], "tails": [p[2] for p in parts],
    }
    stmt = _APPEND_PG
    if write is not None:
        stmt, params = _append_with(write[0]), {**write[1], **params}
    result = await session.execute(stmt, params)
    return [{"seq": seq, "at": at, "actor": e.actor, "action": e.action, "subject": e.subject, "details": d,
             "prev_hash": prev, "hash": h}
            for (seq, at, prev, h), e, d in zip(result.all(), entries, details, strict=True)]


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
