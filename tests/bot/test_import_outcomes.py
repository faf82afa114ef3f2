import json
import sqlite3

from typer.testing import CliRunner

from bot.cli.main import app

CSV = (
    "\ufeffName;Email;Budget;Converted;Created;Tags;Visits\n"
    "Ann;ann@acme.com;12000;1;2025-01-05;Closed;4\n"
    "Bob;bob@beta.io;3000;0;2025-02-11;Dead;1\n"
    "Cy;cy@gamma.org;;;2025-03-01;;2\n"
)


def test_import_with_outcomes_makes_won_and_lost_leads(tmp_path, monkeypatch):
    db = tmp_path / "g.db"
    monkeypatch.setenv("GRACE_DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    monkeypatch.setenv("GRACE_DATA_DIR", str(tmp_path / "data"))
    path = tmp_path / "past.csv"
    path.write_bytes(CSV.encode("utf-8"))
    res = CliRunner().invoke(app, ["import", "leads", str(path), "--outcome", "Converted", "--created-at", "Created",
                                   "--exclude", "Tags", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["created"] == 3
    con = sqlite3.connect(db)
    rows = con.execute("SELECT stage, created_at, metadata FROM business_leads ORDER BY id").fetchall()
    assert [r[0] for r in rows] == ["CONTRACT", "LOST", "LEAD"]
    assert rows[0][1].startswith("2025-01-05")
    meta = json.loads(rows[0][2])
    assert meta == {"Visits": "4"}  # outcome, date and excluded columns are not custom fields
    hist = con.execute("SELECT to_stage, reason FROM lead_stage_history WHERE lead_id = 1 ORDER BY id").fetchall()
    assert hist == [("LEAD", "imported"), ("CONTRACT", "imported outcome")]
