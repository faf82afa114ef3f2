"""50 concurrent POST /leads with one address, through real HTTP, on PostgreSQL."""

import asyncio

import httpx
import pytest
from sqlalchemy import func, select

from engine.audit import verify_audit_chain
from storage.models import AuditEntry, Client, Lead
from tests.conftest import lead_data, make_key


@pytest.mark.parametrize("backend", ["postgres", "sqlite"], indirect=True)
async def test_fifty_concurrent_captures_one_client(services, live_server):
    # An admin key: sales keys are rate-limited to 30 captures a minute (policies.yml).
    key = await make_key(services, role="admin")
    async with httpx.AsyncClient(base_url=live_server, headers={"Authorization": f"Bearer {key}"},
                                 timeout=30) as http:
        emails = [("SAME@Example.com" if i % 3 == 0 else "same@example.COM" if i % 3 == 1 else "same@example.com")
                  for i in range(50)]
        responses = await asyncio.gather(*(http.post("/api/business/leads", json=lead_data(email=e)) for e in emails))
    assert [r.status_code for r in responses] == [201] * 50
    assert len({r.json()["client_id"] for r in responses}) == 1
    assert sum(r.json()["created_client"] for r in responses) == 1
    async with services.session_factory() as s:
        assert (await s.execute(select(func.count()).select_from(Client))).scalar_one() == 1
        assert (await s.execute(select(func.count()).select_from(Lead))).scalar_one() == 50
        assert (await s.execute(select(func.count()).select_from(AuditEntry))).scalar_one() >= 50
        report = await verify_audit_chain(s)
    assert report.ok and report.entries >= 50
