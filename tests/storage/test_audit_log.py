"""The audit log is append-only and its chain detects tampering."""

import json
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from engine.audit import GENESIS, canonical, canonical_parts, entry_hash, verify_audit_chain
from engine.pipeline.capture import capture_lead
from engine.pipeline.schemas import LeadInput
from tests.conftest import SALES, lead_data, op


async def _three_entries(services):
    for _ in range(3):
        await op(services, SALES, capture_lead, LeadInput(**lead_data()))


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
@pytest.mark.parametrize(
    "sql", ["UPDATE audit_log SET actor = 'mallory' WHERE seq = 2", "DELETE FROM audit_log WHERE seq = 3",
            "TRUNCATE audit_log"],
)
async def test_postgres_refuses_changes_to_the_audit_log(services, sql):
    await _three_entries(services)
    async with services.db.connect() as conn:
        with pytest.raises(DBAPIError, match="append-only"):
            await conn.execute(text(sql))
    async with services.session_factory() as s:
        report = await verify_audit_chain(s)
    assert report.ok and report.entries == 3


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_sqlite_refuses_then_verify_names_the_tampered_entry(services, settings):
    await _three_entries(services)
    async with services.db.connect() as conn:
        with pytest.raises(DBAPIError, match="append-only"):
            await conn.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"))
    async with services.db.begin() as conn:
        await conn.execute(text("DROP TRIGGER audit_log_no_update"))
        await conn.execute(text("UPDATE audit_log SET details = '{\"budget\": \"1.00\"}' WHERE seq = 2"))
    async with services.session_factory() as s:
        report = await verify_audit_chain(s)
    assert not report.ok and report.first_broken_seq == 2

    env = {"GRACE_DATABASE_URL": settings.resolved_database_url, "GRACE_DATA_DIR": str(settings.data_dir),
           "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "bot.cli.main", "audit", "verify"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert "broken at seq 2" in out.stdout


async def test_cli_verify_ok(services, settings):
    await _three_entries(services)
    env = {"GRACE_DATABASE_URL": settings.resolved_database_url, "GRACE_DATA_DIR": str(settings.data_dir),
           "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "bot.cli.main", "audit", "verify"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok 3 entries"


_TEXT = st.text(max_size=30)
_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _TEXT,
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
                     max_leaves=12)


@hypothesis_settings(max_examples=300, deadline=None)
@given(actor=_TEXT, action=_TEXT, subject=st.none() | _TEXT, details=st.dictionaries(_TEXT, _JSON, max_size=5),
       seq=st.integers(1, 10**12), at=st.datetimes(timezones=st.just(UTC)))
def test_canonical_parts_are_the_canonical_json_of_the_entry(actor, action, subject, details, seq, at):
    # PostgreSQL hashes head + at + details + seq + tail (grace_audit_append); chains written
    # before, and `grace audit verify`, hash json.dumps of the whole entry: they must agree.
    body = {"seq": seq, "at": at.isoformat(), "actor": actor, "action": action, "subject": subject,
            "details": details}
    whole = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    head, details_json, tail = canonical_parts(actor, action, subject, details)
    assert canonical(head, at.isoformat(), details_json, seq, tail) == whole


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_postgres_formats_times_as_python_does(services):
    times = [datetime(2026, 12, 1, 19, 30, 0, tzinfo=UTC), datetime(2026, 12, 1, 19, 30, 0, 1, tzinfo=UTC),
             datetime(2027, 1, 9, 3, 4, 5, 999999, tzinfo=UTC), datetime(2026, 6, 1, 0, 0, 0, 500000, tzinfo=UTC)]
    async with services.session_factory() as s:
        await s.execute(text("SET TIME ZONE 'Europe/Paris'"))  # the session's zone must not matter
        for t in times:
            assert (await s.execute(text("SELECT grace_utc_isoformat(:t)"), {"t": t})).scalar_one() == t.isoformat()


async def test_entries_appended_in_one_transaction_chain_in_order(services):
    from engine.audit import PendingAudit, append_entries

    async with services.session_factory() as s:
        rows = await append_entries(s, [PendingAudit("tests", "a.one", "x:1", {"n": 1, "d": Decimal("1.50")}),
                                        PendingAudit("tests", "a.two", None, {"nested": {"b": [1, "é"]}})])
        await s.commit()
    assert [r["seq"] for r in rows] == [1, 2]
    assert rows[1]["prev_hash"] == rows[0]["hash"]
    assert rows[0]["hash"] == entry_hash(GENESIS, 1, rows[0]["at"], "tests", "a.one", "x:1", {"n": 1, "d": "1.50"})
    async with services.session_factory() as s:
        report = await verify_audit_chain(s)
    assert report.ok and report.entries == 2
