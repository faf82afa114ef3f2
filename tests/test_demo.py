"""`grace demo` plays the whole lifecycle; the database it leaves behind is checked here."""

from io import StringIO
from pathlib import Path

from rich.console import Console
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli.main import app
from bot.devtools.demo import DB_FILE, run_demo
from engine.audit import verify_audit_chain
from engine.pipeline.stages import Stage
from storage.db import create_engine, create_session_factory
from storage.models import Invoice, Lead, NpsSurvey, Project, ProjectArtifact, Vote, VoteSession


async def test_demo_leaves_a_paid_delivered_surveyed_client(tmp_path: Path):
    out = StringIO()
    outcome = await run_demo(tmp_path, out=Console(file=out, width=120))
    text = out.getvalue()
    assert "the demo stopped" not in text and len(outcome.steps) == 11

    db = create_engine(f"sqlite+aiosqlite:///{tmp_path / DB_FILE}")
    try:
        async with create_session_factory(db)() as s:
            lead = await s.get(Lead, outcome.lead_id)
            assert lead.source == "website" and lead.qualified and lead.score > 70
            assert lead.stage == Stage.PAID.value
            repeat = (await s.execute(select(Lead).where(Lead.client_id == lead.client_id,
                                                         Lead.id != lead.id))).scalars().all()
            assert [r.stage for r in repeat] == [Stage.REPEAT.value]  # the promoter's follow-up

            project = await s.get(Project, outcome.project_id)
            assert project.status == "delivered" and project.progress == 1.0 and project.lead_id == lead.id
            artifacts = (await s.execute(select(func.count()).select_from(ProjectArtifact)
                                         .where(ProjectArtifact.project_id == project.id))).scalar_one()
            assert artifacts >= 2

            vote = await s.get(VoteSession, outcome.vote_id)
            assert vote.status == "approved" and vote.subject_id == project.id
            choices = (await s.execute(select(Vote.choice).where(Vote.session_id == vote.id))).scalars().all()
            assert sorted(choices) == ["approve", "approve"]

            invoice = await s.get(Invoice, outcome.invoice_id)
            assert invoice.status == "paid" and invoice.amount == project.price
            assert invoice.provider_invoice_id.startswith("in_fake") and invoice.transaction_id

            survey = await s.get(NpsSurvey, outcome.survey_id)
            assert survey.status == "answered" and survey.score == 10 and survey.category == "promoter"

            report = await verify_audit_chain(s)
            assert report.ok and report.entries > 20
    finally:
        await db.dispose()


def test_grace_demo_command_runs_fast_and_keeps_the_database_when_asked(tmp_path: Path, monkeypatch):
    # The user's environment never reaches the demo: not their database, nor thresholds that would change the story.
    user_db = tmp_path / "mine.db"
    monkeypatch.setenv("GRACE_DATABASE_URL", f"sqlite+aiosqlite:///{user_db}")
    monkeypatch.setenv("GRACE_PARLIAMENT_THRESHOLD", "100000000")
    monkeypatch.setenv("GRACE_FORM_MIN_FILL_SECONDS", "600")
    monkeypatch.setattr("bot.observability.configure_logging", lambda settings: None)  # keep pytest's logging
    keep = tmp_path / "kept"
    result = CliRunner().invoke(app, ["demo", "--fast", "--keep", str(keep)])
    assert result.exit_code == 0, result.output
    assert "Done" in result.output and "Stripe" in result.output and (keep / DB_FILE).exists()
    assert not user_db.exists()
    again = CliRunner().invoke(app, ["demo", "--fast", "--keep", str(keep)])
    assert again.exit_code == 1 and "already exists" in again.output
