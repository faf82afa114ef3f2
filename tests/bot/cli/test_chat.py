"""`grace chat`: one message, a confirmation prompt, and the dry run's JSON."""

from __future__ import annotations

import json

import pydantic_ai.models
import pytest
from typer.testing import CliRunner

from bot.cli.main import app

pydantic_ai.models.ALLOW_MODEL_REQUESTS = False


@pytest.fixture
def env(tmp_path):
    return {"GRACE_DATA_DIR": str(tmp_path), "GRACE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/g.db",
            "GRACE_REDIS_URL": "", "GRACE_MODEL": "offline", "SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": ""}


def test_dry_run_json_prints_the_calls_and_touches_nothing(env):
    r = CliRunner().invoke(app, ["chat", "--dry-run", "--json", "new lead: Ada Lovelace ada@example.com, $12k, via LinkedIn"],
                           env=env)
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["tool_calls"] == [{"tool": "capture_lead", "args": {
        "name": "Ada Lovelace", "email": "ada@example.com", "source": "linkedin", "budget": "$12k"}}]
    assert "nothing was changed" in out["reply"]
    r = CliRunner().invoke(app, ["chat", "--json", "find Ada"], env=env)
    assert json.loads(r.stdout)["reply"] == "No leads match."


def test_one_message_then_a_pronoun_and_a_confirmation(env):
    runner = CliRunner()
    r = runner.invoke(app, ["chat", "new lead: Ada Lovelace ada@example.com via the website form"], env=env)
    assert r.exit_code == 0 and "Captured lead #1" in r.stdout
    r = runner.invoke(app, ["chat", "mark it lost: went with another agency"], input="n\n", env=env)
    assert "Mark lead #1 as lost" in r.stdout and "Cancelled" in r.stdout
    r = runner.invoke(app, ["chat", "mark it lost: went with another agency"], input="y\n", env=env)
    assert "marked lost" in r.stdout


def test_speaking_as_an_unknown_slack_user_has_no_role(env):
    r = CliRunner().invoke(app, ["chat", "--as", "U0NOBODY", "new lead Bob Stone bob@example.com"], env=env)
    assert r.exit_code == 0 and "not on Grace's team" in r.stdout and "grace team add U0NOBODY" in r.stdout


def test_interactive_session(env):
    r = CliRunner().invoke(app, ["chat"], input="how's the pipeline?\nexit\n", env=env)
    assert r.exit_code == 0 and "Pipeline: 0 leads" in r.stdout
