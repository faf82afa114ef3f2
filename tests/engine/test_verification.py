"""`verify_invariants` and `grace verify`: tampered rows are reported, clean data passes."""

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text, update
from typer.testing import CliRunner

from engine.pipeline.capture import capture_lead
from engine.pipeline.moves import move_to_stage
from engine.pipeline.schemas import LeadInput, StageMoveInput
from engine.verification import render, verify_invariants
from storage.models import Client, Invoice, Lead, NpsSurvey, Project, VoteSession
from storage.types import utcnow
from tests.conftest import ADMIN, SALES, lead_data, op


async def seed(services):
    """A client with a project of 10,000, one paid invoice of 4,000 and one issued of 3,000."""
    r = await op(services, SALES, capture_lead, LeadInput(**lead_data()))
    async with services.session_factory() as s:
        project = Project(client_id=r.client_id, lead_id=r.lead_id, title="Booking portal", price=Decimal("10000"),
                          status="active")
        s.add(project)
        await s.flush()
        s.add_all([
            Invoice(invoice_number="INV-1", project_id=project.id, client_id=r.client_id, amount=Decimal("4000"),
                    status="paid"),
            Invoice(invoice_number="INV-2", project_id=project.id, client_id=r.client_id, amount=Decimal("3000"),
                    status="issued"),
            Invoice(invoice_number="INV-3", project_id=project.id, client_id=r.client_id, amount=Decimal("9000"),
                    status="void"),
        ])
        client = await s.get(Client, r.client_id)
        client.lifetime_value = Decimal("4000")
        await s.commit()
        return r, project.id


def by_name(report):
    return {c.name: c for c in report.checks}


async def test_clean_data_passes(services):
    await seed(services)
    report = await op(services, ADMIN, verify_invariants)
    assert report.ok, render(report)
    checks = by_name(report)
    assert checks["delivered_projects_have_votes"].status == "ok"
    assert checks["surveys_answered_once"].status == "ok"


async def test_tampered_invoice_amount_is_reported(services):
    r, project_id = await seed(services)
    async with services.session_factory() as s:
        await s.execute(update(Invoice).where(Invoice.invoice_number == "INV-2").values(amount=Decimal("6000.01")))
        await s.commit()
    report = await op(services, ADMIN, verify_invariants)
    assert not report.ok
    check = by_name(report)["invoices_within_price"]
    assert check.status == "failed"
    assert check.rows == [{"project_id": project_id, "price": "10000.00", "invoiced": "10000.01", "invoices": 2}]


async def test_tampered_lifetime_value_is_reported(services):
    r, _ = await seed(services)
    async with services.session_factory() as s:
        await s.execute(update(Client).where(Client.id == r.client_id).values(lifetime_value=Decimal("40000")))
        await s.commit()
    report = await op(services, ADMIN, verify_invariants)
    check = by_name(report)["lifetime_value_matches_paid_invoices"]
    assert check.status == "failed"
    assert check.rows == [{"client_id": r.client_id, "lifetime_value": "40000.00", "paid_invoices": "4000.00"}]
    assert by_name(report)["invoices_within_price"].status == "ok"


async def test_lead_stage_out_of_step_with_history_is_reported(services):
    r, _ = await seed(services)
    await op(services, SALES, move_to_stage, r.lead_id, StageMoveInput(stage="QUALIFIED"))
    assert (await op(services, ADMIN, verify_invariants)).ok
    async with services.session_factory() as s:
        await s.execute(update(Lead).where(Lead.id == r.lead_id).values(stage="PAID"))
        await s.commit()
    check = by_name(await op(services, ADMIN, verify_invariants))["lead_stage_matches_history"]
    assert check.rows == [{"lead_id": r.lead_id, "stage": "PAID", "last_history": "QUALIFIED"}]


async def test_delivered_project_without_an_approved_vote_is_reported(services):
    r, project_id = await seed(services)
    async with services.session_factory() as s:
        await s.execute(update(Project).where(Project.id == project_id).values(status="delivered"))
        await s.commit()
    check = by_name(await op(services, ADMIN, verify_invariants))["delivered_projects_have_votes"]
    assert check.status == "failed" and check.rows[0]["project_id"] == project_id
    async with services.session_factory() as s:
        s.add(VoteSession(subject_type="project_delivery", subject_id=project_id, title="Deliver", status="approved",
                          approvers=["U1", "U2"], quorum=2, approve_share=Decimal("0.5"), approve_count=2,
                          deadline_at=utcnow() + timedelta(hours=48), opened_by="test"))
        await s.commit()
    assert by_name(await op(services, ADMIN, verify_invariants))["delivered_projects_have_votes"].status == "ok"


async def test_survey_changed_after_its_window_is_reported(services):
    r, project_id = await seed(services)
    answered = utcnow() - timedelta(days=10)
    async with services.session_factory() as s:
        s.add(NpsSurvey(project_id=project_id, client_id=r.client_id, status="answered", nonce="n1", score=9,
                        answered_at=answered, update_count=1,
                        metadata_={"last_answered_at": (answered + timedelta(days=2)).isoformat()}))
        await s.commit()
    assert by_name(await op(services, ADMIN, verify_invariants))["surveys_answered_once"].status == "ok"
    async with services.session_factory() as s:
        await s.execute(update(NpsSurvey).values(metadata_={"last_answered_at": utcnow().isoformat()}))
        await s.commit()
    check = by_name(await op(services, ADMIN, verify_invariants))["surveys_answered_once"]
    assert check.status == "failed" and check.rows[0]["survey_id"]


async def test_tampered_audit_entry_is_reported(services):
    await seed(services)
    if services.dialect == "postgresql":
        pytest.skip("PostgreSQL refuses UPDATE on the audit log (tested in storage)")
    async with services.session_factory() as s:
        await s.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
        names = (await s.execute(text("SELECT name FROM sqlite_master WHERE type='trigger'"))).scalars().all()
        for n in names:
            await s.execute(text(f'DROP TRIGGER "{n}"'))
        await s.execute(text("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1"))
        await s.commit()
    check = by_name(await op(services, ADMIN, verify_invariants))["audit_chain"]
    assert check.status == "failed" and check.rows[0]["seq"] == 1


async def test_daily_job_alerts_on_failure(services):
    from workers.jobs import JOBS

    r, _ = await seed(services)
    assert await JOBS["verify_invariants_daily"]({"services": services}) is True
    assert services.notifier.sent == []
    async with services.session_factory() as s:
        await s.execute(update(Client).where(Client.id == r.client_id).values(lifetime_value=Decimal("1")))
        await s.commit()
    assert await JOBS["verify_invariants_daily"]({"services": services}) is False
    [alert] = services.notifier.sent
    assert "lifetime_value_matches_paid_invoices" in alert["text"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_grace_verify_cli_exit_status(settings, monkeypatch):
    from bot.cli.main import app
    from bot.services import build_services, close_services

    monkeypatch.setenv("GRACE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("GRACE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("GRACE_SECRET_KEY", "test-secret-key")

    async def prepare(tamper: bool):
        services = await build_services(settings)
        try:
            if tamper:
                async with services.session_factory() as s:
                    await s.execute(update(Client).values(lifetime_value=Decimal("123")))
                    await s.commit()
            else:
                await seed(services)
        finally:
            await close_services(services)

    asyncio.run(prepare(False))
    ok = CliRunner().invoke(app, ["verify"])
    assert ok.exit_code == 0, ok.output
    assert "ok" in ok.output and "invoices_within_price" in ok.output and "surveys_answered_once" in ok.output
    asyncio.run(prepare(True))
    bad = CliRunner().invoke(app, ["verify"])
    assert bad.exit_code == 1
    assert "FAILED" in bad.output and "lifetime_value=123.00" in bad.output
