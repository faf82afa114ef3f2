"""`grace proposal generate` and `grace proposal catalog`."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from typer.testing import CliRunner

from bot.cli.main import app
from engine.config import Settings
from engine.pipeline.capture import capture_lead
from engine.pipeline.schemas import LeadInput
from engine.proposals.catalog import DEFAULT_CATALOG
from tests.conftest import SALES, in_thread, lead_data, op


def _make_lead(settings: Settings) -> int:
    from bot.cli.common import migrate_database
    from bot.services import build_services, close_services

    async def go() -> int:
        services = await build_services(settings)
        try:
            return (await op(services, SALES, capture_lead, LeadInput(**lead_data(budget="50000")))).lead_id
        finally:
            await close_services(services)

    migrate_database(settings)
    return asyncio.run(go())


def test_generate_prints_the_contract_and_catalog_checks(tmp_path: Path) -> None:
    env = {"GRACE_DATA_DIR": str(tmp_path / "data"), "GRACE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/g.db",
           "GRACE_SECRET_KEY": "k"}
    settings = Settings(data_dir=tmp_path / "data", database_url=env["GRACE_DATABASE_URL"], secret_key="k",
                        _env_file=None)  # type: ignore[call-arg]
    lead_id = in_thread(_make_lead, settings)
    runner = CliRunner()
    r = runner.invoke(app, ["proposal", "generate", str(lead_id), "--json"], env=env)
    assert r.exit_code == 0, r.output
    body = json.loads(r.output)
    assert body["proposal"]["version"] == 1 and body["project_plan"]["milestones"]
    r = runner.invoke(app, ["proposal", "generate", str(lead_id), "--budget", "lots"], env=env)
    assert r.exit_code == 1 and "budget" in r.output
    r = runner.invoke(app, ["proposal", "catalog"], env=env)
    assert r.exit_code == 0 and "ai-chatbot" in r.output
    bad = tmp_path / "bad.yml"
    bad.write_text(DEFAULT_CATALOG.read_text().replace("default_role: engineer", "default_role: wizard"))
    r = runner.invoke(app, ["proposal", "catalog"], env={**env, "GRACE_CATALOG_PATH": str(bad)})
    assert r.exit_code == 1 and "wizard" in r.output
