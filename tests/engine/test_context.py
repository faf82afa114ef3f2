"""The unit of work's deferred write: a lead's UPDATE waits for the operation's next statement, or
travels with the audit entries at commit; nothing the operation reads or flushes can miss it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.audit import verify_audit_chain
from engine.context import unit_of_work
from engine.pipeline.capture import capture_lead
from engine.pipeline.leads import load_lead, save_lead
from engine.pipeline.schemas import LeadInput
from storage.models import AuditEntry, Lead
from tests.conftest import SALES, lead_data, op


async def new_lead(services) -> int:
    return (await op(services, SALES, capture_lead, LeadInput(**lead_data()))).lead_id


async def stored_notes(services, lead_id: int) -> str | None:
    async with services.session_factory() as s:
        return (await s.execute(select(Lead.notes).where(Lead.id == lead_id))).scalar_one()


async def test_a_deferred_write_is_read_back_and_the_last_one_commits_with_the_audit(services):
    lead_id = await new_lead(services)
    async with unit_of_work(services, SALES) as ctx:
        lead = await load_lead(ctx.session, lead_id)
        await save_lead(ctx, lead, {"notes": "first"})
        # A Core read of the same row, in the same operation, sees the write.
        assert (await ctx.session.execute(select(Lead.notes).where(Lead.id == lead_id))).scalar_one() == "first"
        await save_lead(ctx, lead, {"notes": "second"})
        await save_lead(ctx, lead, {"notes": "last"})  # the one before runs now, this one at commit
        ctx.audit("test.saved", f"lead:{lead_id}")
    assert await stored_notes(services, lead_id) == "last"
    async with services.session_factory() as s:
        assert (await s.execute(select(AuditEntry.action).order_by(AuditEntry.seq.desc()))).scalars().first() \
            == "test.saved"
        assert (await verify_audit_chain(s)).ok


async def test_a_deferred_write_goes_before_the_orms_own_flush(services):
    lead_id = await new_lead(services)
    async with unit_of_work(services, SALES) as ctx:
        lead = await load_lead(ctx.session, lead_id)
        await save_lead(ctx, lead, {"notes": "deferred", "timeline": "soon"})
        lead.notes = "by the ORM"  # the ORM's UPDATE must land after the deferred one
        await ctx.session.flush()
    async with services.session_factory() as s:
        stored = (await s.execute(select(Lead.notes, Lead.timeline).where(Lead.id == lead_id))).one()
    assert tuple(stored) == ("by the ORM", "soon")


async def test_a_deferred_write_is_rolled_back_with_its_operation(services):
    lead_id = await new_lead(services)
    before = await stored_notes(services, lead_id)
    with pytest.raises(RuntimeError, match="changed my mind"):
        async with unit_of_work(services, SALES) as ctx:
            await save_lead(ctx, await load_lead(ctx.session, lead_id), {"notes": "never stored"})
            raise RuntimeError("changed my mind")
    assert await stored_notes(services, lead_id) == before


async def test_a_commit_outside_the_unit_of_work_runs_a_deferred_write(services):
    lead_id = await new_lead(services)
    async with unit_of_work(services, SALES) as ctx:
        await save_lead(ctx, await load_lead(ctx.session, lead_id), {"notes": "committed early"})
        await ctx.session.commit()
    assert await stored_notes(services, lead_id) == "committed early"


async def test_a_savepoint_over_a_deferred_write_is_refused(services):
    lead_id = await new_lead(services)
    with pytest.raises(RuntimeError, match="deferred write"):
        async with unit_of_work(services, SALES) as ctx:
            await save_lead(ctx, await load_lead(ctx.session, lead_id), {"notes": "pending"})
            async with ctx.session.begin_nested():
                pass
    assert await stored_notes(services, lead_id) != "pending"
