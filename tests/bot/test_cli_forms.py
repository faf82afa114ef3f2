"""`grace form create|list|revoke` against a real (SQLite) data folder."""

import re

from typer.testing import CliRunner

from bot.cli.main import app


def test_form_create_list_revoke(tmp_path, monkeypatch):
    monkeypatch.setenv("GRACE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GRACE_PUBLIC_URL", "https://grace.example")
    monkeypatch.delenv("GRACE_DATABASE_URL", raising=False)
    monkeypatch.delenv("GRACE_REDIS_URL", raising=False)
    runner = CliRunner()
    r = runner.invoke(app, ["form", "create", "--name", "Contact", "--origin", "https://Acme.example/contact",
                            "--redirect", "https://acme.example/thanks"])
    assert r.exit_code == 0, r.output
    public_id = re.search(r"(f_[\w-]+)", r.output).group(1)
    assert f"https://grace.example/forms/{public_id}/embed.js" in r.output
    r = runner.invoke(app, ["form", "list"])
    assert public_id in r.output and "https://acme.example" in r.output and "[live]" in r.output
    assert runner.invoke(app, ["form", "revoke", public_id]).exit_code == 0
    assert "revoked" in runner.invoke(app, ["form", "list"]).output
    bad = runner.invoke(app, ["form", "create", "--name", "X", "--origin", "not a url"])
    assert bad.exit_code == 1
    assert runner.invoke(app, ["form", "revoke", "f_missing"]).exit_code == 1
