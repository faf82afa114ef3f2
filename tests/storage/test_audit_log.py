"""The audit log is append-only and its chain detects tampering."""

import subprocess
import sys

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from engine.audit import verify_audit_chain
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
