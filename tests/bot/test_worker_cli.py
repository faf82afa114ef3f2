"""`grace worker` needs Redis and says so."""

from typer.testing import CliRunner

from bot.cli.main import app


def test_worker_refuses_without_redis(monkeypatch, tmp_path):
    monkeypatch.delenv("GRACE_REDIS_URL", raising=False)
    monkeypatch.setenv("GRACE_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["worker"])
    assert result.exit_code == 2
    assert "GRACE_REDIS_URL" in result.output
