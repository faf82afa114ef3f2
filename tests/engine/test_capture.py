import asyncio

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from engine.audit import verify_audit_chain
from engine.errors import IllegalStageMove, InvalidInput, LeadNotFound, PolicyDenied
from engine.pipeline.capture import capture_lead
from engine.pipeline.leads import find_leads, get_client
from engine.pipeline.moves import mark_lost, move_to_stage
from engine.pipeline.schemas import LeadInput, StageMoveInput
from storage.models import AuditEntry, Client, Interaction, Lead, LeadStageHistory
from tests.conftest import ADMIN, SALES, VIEWER, lead_data, op


async def capture(services, actor=SALES, **kw):
    return await op(services, actor, capture_lead, LeadInput(**lead_data(**kw)))


async def test_capture_creates_client_lead_interaction_and_history(services):
    events = services.events.subscribe()
    nxt = asyncio.ensure_future(events.__anext__())
    await asyncio.sleep(0)
    r = await capture(services, email="Grace@Hopper.io", budget="$12k")
    assert r.created_client and r.stage == "LEAD"
    async with services.session_factory() as s:
        client = await s.get(Client, r.client_id)
        lead = await s.get(Lead, r.lead_id)
        assert client.email_normalized == "grace@hopper.io"
        assert str(lead.budget) == "12000.00"
        assert lead.created_at.tzinfo is not None
        assert (await s.execute(select(func.count()).select_from(Interaction))).scalar_one() == 1
        hist = (await s.execute(select(LeadStageHistory))).scalars().all()
        assert [(h.from_stage, h.to_stage) for h in hist] == [(None, "LEAD")]
        actions = (await s.execute(select(AuditEntry.action))).scalars().all()
        assert actions == ["lead.captured"]
    event = await asyncio.wait_for(nxt, 2)
    assert event["type"] == "lead.captured" and event["data"]["lead_id"] == r.lead_id
    await events.aclose()


async def test_same_email_any_case_is_the_same_client(services):
    a = await capture(services, email="Same@Example.COM", company=None)
    b = await capture(services, email="same@example.com", company="Filled Later Inc")
    assert a.client_id == b.client_id and a.lead_id != b.lead_id
    assert a.created_client and not b.created_client
    view = await op(services, SALES, get_client, a.client_id)
    assert view.company == "Filled Later Inc"  # empty fields are filled, not overwritten
    assert view.lead_ids == [a.lead_id, b.lead_id]


async def test_a_returning_client_keeps_what_it_has_and_gains_what_it_lacked(services):
    a = await capture(services, email="keep@example.com", name="Ada First", company="Kept Ltd", industry=None,
                      metadata={"tier": "gold", "team": 3})
    async with services.session_factory() as s:
        before = (await s.get(Client, a.client_id)).updated_at
    same = await capture(services, email="KEEP@example.com", name="Ada Second", company="Other Co", industry=None)
    async with services.session_factory() as s:
        assert (await s.get(Client, a.client_id)).updated_at == before  # nothing to fill: untouched
    b = await capture(services, email="keep@example.com", name="Ada Third", company="Other Co",
                      industry="fintech", metadata={"team": 4, "region": "EU"})
    assert a.client_id == same.client_id == b.client_id and not same.created_client and not b.created_client
    async with services.session_factory() as s:
        client = await s.get(Client, a.client_id)
        assert (client.name, client.company, client.industry) == ("Ada First", "Kept Ltd", "fintech")
        assert client.metadata_ == {"tier": "gold", "team": 4, "region": "EU"}
        assert client.updated_at > before
        leads = (await s.execute(select(Lead.client_id).where(Lead.id.in_([a.lead_id, same.lead_id, b.lead_id])))).all()
        assert [c for (c,) in leads] == [a.client_id] * 3


async def test_a_returning_client_s_metadata_is_merged_key_by_key(services):
    """Top-level keys of the new metadata replace the old ones whole (a nested object is not merged
    into the old one); JSON's types survive the merge on both databases."""
    a = await capture(services, email="nest@example.com",
                      metadata={"email": {"subject": "First", "provider": "imap"}, "vip": True, "n": 1, "x": None})
    await capture(services, email="NEST@example.com",
                  metadata={"email": {"subject": "Second"}, "vip": False, "tags": ["a", None, 2.5], "q": "it's"})
    async with services.session_factory() as s:
        client = await s.get(Client, a.client_id)
    assert client.metadata_ == {"email": {"subject": "Second"}, "vip": False, "n": 1, "x": None,
                                "tags": ["a", None, 2.5], "q": "it's"}


async def test_an_import_overwrites_what_it_knows_of_a_returning_client(services):
    from engine.pipeline.importer import import_leads

    a = await capture(services, email="imp@example.com", name="Ann Old", company="Old Co", industry="retail",
                      metadata={"tier": "gold", "Visits": "1"})
    async with services.session_factory() as s:
        before = (await s.get(Client, a.client_id)).updated_at
    report = await op(services, ADMIN, import_leads, ["name", "email", "company", "Visits"], [
        {"name": "Ann New", "email": "IMP@example.com", "company": "New Co", "Visits": "4"},
        {"name": "Ann Newer", "email": "imp@example.com", "company": "", "Visits": "5"},
        {"name": "Bo", "email": "bo@example.com", "company": "Bo Ltd", "Visits": ""},
    ])
    assert (report.created, report.clients_created, report.clients_updated, report.updated) == (3, 1, 1, 1)
    async with services.session_factory() as s:
        client = await s.get(Client, a.client_id)
        bo = (await s.execute(select(Client).where(Client.email_normalized == "bo@example.com"))).scalar_one()
    # Known fields are overwritten, the name too; a blank cell keeps what the client had.
    assert (client.name, client.company, client.industry) == ("Ann Newer", "New Co", "retail")
    assert client.metadata_ == {"tier": "gold", "Visits": "5"} and client.updated_at > before
    assert (bo.name, bo.company) == ("Bo", "Bo Ltd")


async def test_concurrent_captures_of_one_address_make_one_client(services):
    emails = [f"Race{'X' if i % 2 else 'x'}@example.com" for i in range(20)]
    results = await asyncio.gather(*(capture(services, email=e) for e in emails))
    assert len({r.client_id for r in results}) == 1
    assert sum(r.created_client for r in results) == 1
    async with services.session_factory() as s:
        assert (await s.execute(select(func.count()).select_from(Client))).scalar_one() == 1
        assert (await s.execute(select(func.count()).select_from(Lead))).scalar_one() == 20
        assert (await verify_audit_chain(s)).ok


def test_input_validation_names_the_field():
    with pytest.raises(ValidationError) as e:
        LeadInput(**lead_data(email="not-an-email"))
    assert e.value.errors()[0]["loc"] == ("email",)
    with pytest.raises(ValidationError) as e:
        LeadInput(**lead_data(name="x" * 201))
    assert e.value.errors()[0]["loc"] == ("name",)
    with pytest.raises(ValidationError) as e:
        LeadInput(**lead_data(source="carrier pigeon"))
    assert e.value.errors()[0]["loc"] == ("source",)


async def test_stage_moves_follow_the_table_and_write_history(services):
    r = await capture(services)
    await op(services, SALES, move_to_stage, r.lead_id, StageMoveInput(stage="qualified"))
    with pytest.raises(IllegalStageMove) as e:
        await op(services, SALES, move_to_stage, r.lead_id, StageMoveInput(stage="PAID"))
    assert "PROPOSAL" in e.value.message and "QUALIFIED" in e.value.message
    with pytest.raises(InvalidInput):
        await op(services, SALES, move_to_stage, r.lead_id, StageMoveInput(stage="WON"))
    with pytest.raises(InvalidInput) as e:
        await op(services, SALES, move_to_stage, r.lead_id, StageMoveInput(stage="LOST"))
    assert e.value.field == "reason"
    await op(services, SALES, mark_lost, r.lead_id, "went with another agency")
    with pytest.raises(PolicyDenied):
        await op(services, SALES, move_to_stage, r.lead_id, StageMoveInput(stage="LEAD"))
    await op(services, ADMIN, move_to_stage, r.lead_id, StageMoveInput(stage="LEAD", reason="they came back"))
    async with services.session_factory() as s:
        hist = (await s.execute(select(LeadStageHistory.to_stage).order_by(LeadStageHistory.id))).scalars().all()
        assert hist == ["LEAD", "QUALIFIED", "LOST", "LEAD"]
        lead = await s.get(Lead, r.lead_id)
        assert lead.stage == "LEAD" and lead.lost_reason is None


async def test_refusals_are_audited_and_change_nothing(services):
    with pytest.raises(PolicyDenied) as e:
        await capture(services, actor=VIEWER)
    assert "viewer" in e.value.message and "capture lead" in e.value.message
    async with services.session_factory() as s:
        assert (await s.execute(select(func.count()).select_from(Lead))).scalar_one() == 0
        entries = (await s.execute(select(AuditEntry))).scalars().all()
        assert [(a.action, a.subject) for a in entries] == [("policy.denied", "capture_lead")]


async def test_unknown_lead_is_a_clear_error(services):
    with pytest.raises(LeadNotFound) as e:
        await op(services, SALES, move_to_stage, 999, StageMoveInput(stage="QUALIFIED"))
    assert "#999" in e.value.message


async def test_find_leads_filters(services):
    await capture(services, source="linkedin", company="Zebra Robotics")
    await capture(services, source="referral", company="Acme")
    page = await op(services, VIEWER, find_leads, source="linkedin")
    assert page.total == 1 and page.items[0].company == "Zebra Robotics"
    page = await op(services, VIEWER, find_leads, query="acme")
    assert page.total == 1 and page.items[0].source == "referral"
    page = await op(services, VIEWER, find_leads, stage="lead")
    assert page.total == 2


async def test_each_move_closes_the_previous_stage_and_keeps_the_lead_in_step(services):
    r = await capture(services)
    for stage in ("QUALIFIED", "PROPOSAL", "LOST"):
        reason = "no budget after all" if stage == "LOST" else None
        await op(services, SALES, move_to_stage, r.lead_id, StageMoveInput(stage=stage, reason=reason))
    async with services.session_factory() as s:
        rows = (await s.execute(select(LeadStageHistory).where(LeadStageHistory.lead_id == r.lead_id)
                                .order_by(LeadStageHistory.id))).scalars().all()
        lead = await s.get(Lead, r.lead_id)
    assert [(h.from_stage, h.to_stage) for h in rows] == [
        (None, "LEAD"), ("LEAD", "QUALIFIED"), ("QUALIFIED", "PROPOSAL"), ("PROPOSAL", "LOST")]
    # each stage was left when the next began; only the current one is open
    assert [h.left_at for h in rows[:-1]] == [h.at for h in rows[1:]] and rows[-1].left_at is None
    assert (lead.stage, lead.stage_changed_at, lead.closed_at) == ("LOST", rows[-1].at, rows[-1].at)
    assert lead.lost_reason == "no budget after all" and lead.furthest_rank == 2  # PROPOSAL
    assert lead.updated_at == rows[-1].at
    async with services.session_factory() as s:
        assert (await verify_audit_chain(s)).ok
