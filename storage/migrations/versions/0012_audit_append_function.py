"""PostgreSQL: append audit entries in one round trip (grace_audit_append).

The function takes the chain's advisory lock, reads the tail with a fresh snapshot (each
statement of a VOLATILE function gets one), then timestamps, hashes and inserts each entry.
The hash is the one `engine.audit.entry_hash` computes: sha256(prev_hash + canonical JSON),
where the caller sends the canonical JSON's parts around the two values filled in here
(`at` and `seq`, see `engine.audit.canonical`).
SQLite keeps appending from Python (its writers are serialised by `BEGIN IMMEDIATE`).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ISOFORMAT = """
CREATE OR REPLACE FUNCTION grace_utc_isoformat(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    -- Python's datetime.isoformat() of a UTC-aware time: no fraction when it is zero.
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
        || CASE WHEN extract(microseconds FROM t)::bigint % 1000000 = 0 THEN ''
                ELSE '.' || to_char(t AT TIME ZONE 'UTC', 'US') END
        || '+00:00'
$$
"""

# The advisory lock key 6978839 (0x6A7D17) stands for "the audit chain".
FUNCTION = """
CREATE OR REPLACE FUNCTION grace_audit_append(
    actors text[], actions text[], subjects text[], heads text[], details text[], tails text[]
) RETURNS TABLE (entry_seq bigint, entry_at timestamptz, entry_prev varchar, entry_hash varchar)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    last_seq bigint;
    prev varchar;
    t timestamptz;
    h varchar;
BEGIN
    PERFORM pg_advisory_xact_lock(6978839);
    SELECT a.seq, a.hash INTO last_seq, prev FROM audit_log a ORDER BY a.seq DESC LIMIT 1;
    IF NOT FOUND THEN
        last_seq := 0;
        prev := repeat('0', 64);
    END IF;
    FOR i IN 1 .. coalesce(array_length(actions, 1), 0) LOOP
        last_seq := last_seq + 1;
        t := clock_timestamp();
        -- engine.audit.canonical: head, at, details, seq, tail
        h := encode(sha256(convert_to(prev || heads[i] || grace_utc_isoformat(t) || '","details":' || details[i] || ',"seq":'
                                      || last_seq::text || tails[i], 'UTF8')), 'hex');
        INSERT INTO audit_log (seq, at, actor, action, subject, details, prev_hash, hash)
        VALUES (last_seq, t, actors[i], actions[i], subjects[i], details[i]::jsonb, prev, h);
        entry_seq := last_seq;
        entry_at := t;
        entry_prev := prev;
        entry_hash := h;
        RETURN NEXT;
        prev := h;
    END LOOP;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(ISOFORMAT)
        op.execute(FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS grace_audit_append(text[], text[], text[], text[], text[], text[])")
        op.execute("DROP FUNCTION IF EXISTS grace_utc_isoformat(timestamptz)")
