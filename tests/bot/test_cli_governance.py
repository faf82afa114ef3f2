"""`grace hunter scan`, `grace policy check`, `grace policy lint`."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app

runner = CliRunner()
GRACE = Path(sys.executable).with_name("grace")  # the command as installed
# What must not reach the terminal raw: C0 controls but tab and newline, DEL, C1, bidi overrides and isolates.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


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


def test_hunter_scan_prints_control_and_bidi_characters_as_escapes_and_letters_as_written():
    """The excerpt and the field name come from the scanned text: a C1 CSI (0x9b), NEL, DEL or a bidi isolate
    in the field name is shown as its \\u escape (the excerpt names them "[U+009B]"), é and 東京 as themselves;
    parsing the output gives the field name back."""
    card = "José in 東京 pays \x9b31m\x85\x7f with 4111 1111 1111 1111"
    lead = {"name": "Zoë", "requirements\u2066é\u2069\u202e": card}
    proc = subprocess.run([GRACE, "hunter", "scan", "-"], input=json.dumps(lead).encode(), capture_output=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode("utf-8")
    assert not RAW_CONTROL.search(out), out
    assert "requirements\\u2066é\\u2069\\u202e" in out
    (finding,) = json.loads(out)["findings"]
    assert finding["field"] == "requirements\u2066é\u2069\u202e"
    # the excerpt names the controls by code point (Hunter's excerpts are shown in Slack and pages too)
    assert "東京 pays [U+009B]31m[U+0085][U+007F] with" in finding["excerpt"]


def test_hunter_scan_of_a_lone_surrogate_prints_its_escape_instead_of_failing():
    """JSON may spell a lone surrogate ("\\ud800"); UTF-8 cannot, so it is printed as the escape it came as."""
    proc = subprocess.run([GRACE, "hunter", "scan", "-"], input=b'{"company": "Acme \\ud800 4111 1111 1111 1111"}',
                          capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode("utf-8")
    assert "\\ud800" in out
    assert json.loads(out)["findings"][0]["excerpt"].startswith("Acme \ud800")


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


def test_policy_check_names_amounts_in_the_agencys_currency():
    """The amounts of a context and of policies.yml are in GRACE_CURRENCY: a refusal says which."""
    def check(action: str, role: str, context: str) -> tuple[int, str]:
        r = runner.invoke(app, ["policy", "check", action, "--role", role, "--context", context],
                          env={"GRACE_CURRENCY": "EUR"})
        return r.exit_code, " ".join(r.output.split())  # rich wraps long lines at the console's width

    code, out = check("mark_invoice_paid", "finance", '{"amount": 259200.00}')
    assert code == 1 and "259,200.0 EUR is over the limit of 250,000 EUR to mark invoice paid" in out, out
    code, out = check("deliver_project", "delivery", '{"amount": 9000, "stage": "ACTIVE"}')
    assert code == 0 and "9,000 EUR is over 5,000 EUR: a Parliament vote must approve it first" in out, out
    code, out = check("deliver_project", "delivery", '{"amount": 9000, "stage": "ACTIVE", "vote_approved": false}')
    assert code == 1 and "9,000 EUR is over 5,000 EUR and the Parliament vote did not approve it" in out, out


@pytest.mark.parametrize("amount", ['"NaN"', '"sNaN"', '"Infinity"', '"-inf"', "1e999", '"twelve"'])
def test_policy_check_refuses_an_amount_that_is_not_a_finite_number(amount):
    """NaN used to end in a decimal.InvalidOperation traceback, and Infinity passed no limit."""
    r = runner.invoke(app, ["policy", "check", "mark_invoice_paid", "--role", "finance",
                            "--context", f'{{"amount": {amount}}}'])
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.exception
    assert "context amount is not a" in " ".join(r.output.split()), r.output


def test_policy_lint(tmp_path):
    r = runner.invoke(app, ["policy", "lint"])
    assert r.exit_code == 0 and "ok" in r.output
    bad = tmp_path / "p.yml"
    bad.write_text("actions:\n  fly_to_moon:\n    roles: [pilot]\n")
    r = runner.invoke(app, ["policy", "lint", str(bad)])
    assert r.exit_code == 1 and "unknown role pilot" in r.output
