"""`grace hunter scan`, `grace policy check`, `grace policy lint`."""

import json

from typer.testing import CliRunner

from bot.cli.main import app

runner = CliRunner()


def test_hunter_scan_text_from_stdin_prints_the_exact_shape():
    r = runner.invoke(app, ["hunter", "scan", "-"], input="pay me: 4111 1111 1111 1111")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out == {"action": "redact", "findings": [
        {"detector": "payment_card", "severity": "high", "field": "text", "excerpt": "pay me: •••• 1111"}]}


def test_hunter_scan_json_file_names_fields(tmp_path):
    f = tmp_path / "lead.json"
    f.write_text(json.dumps({"name": "Eve", "requirements": "<!channel> pay now at https://bit.ly/x1"}))
    out = json.loads(runner.invoke(app, ["hunter", "scan", str(f)]).stdout)
    assert out["action"] == "redact"
    assert {(x["field"], x["detector"], x["severity"]) for x in out["findings"]} == {
        ("requirements", "markup", "high"), ("requirements", "suspicious_link", "medium")}


def test_hunter_scan_clean_binary_and_bad_kind(tmp_path):
    assert json.loads(runner.invoke(app, ["hunter", "scan", "--kind", "output"], input="Thanks, talk soon!").stdout) \
        == {"action": "allow", "findings": []}
    b = tmp_path / "x.bin"
    b.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    assert json.loads(runner.invoke(app, ["hunter", "scan", str(b)]).stdout)["action"] == "block"
    assert runner.invoke(app, ["hunter", "scan", "--kind", "nope"], input="x").exit_code == 1


def test_policy_check_explains():
    r = runner.invoke(app, ["policy", "check", "deliver_project", "--role", "delivery",
                            "--context", '{"amount": 9000, "stage": "ACTIVE"}'])
    assert r.exit_code == 0 and "allowed after a Parliament vote" in r.output
    r = runner.invoke(app, ["policy", "check", "capture_lead", "--role", "viewer"])
    assert r.exit_code == 1 and "denied" in r.output and "A viewer may not capture lead" in r.output
    r = runner.invoke(app, ["policy", "check", "capture_lead", "--role", "sales"])
    assert r.exit_code == 0 and "rate limit: 30 per 60 s" in r.output
    assert runner.invoke(app, ["policy", "check", "fly", "--role", "sales"]).exit_code == 1
    assert runner.invoke(app, ["policy", "check", "capture_lead", "--role", "wizard"]).exit_code == 1


def test_policy_lint(tmp_path):
    r = runner.invoke(app, ["policy", "lint"])
    assert r.exit_code == 0 and "ok" in r.output
    bad = tmp_path / "p.yml"
    bad.write_text("actions:\n  fly_to_moon:\n    roles: [pilot]\n")
    r = runner.invoke(app, ["policy", "lint", str(bad)])
    assert r.exit_code == 1 and "unknown role pilot" in r.output
