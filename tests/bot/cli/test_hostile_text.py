"""People's words are printed as written by every command group, never read as rich markup or sent to the
terminal as control sequences.

A client called "Acme [/b] Ltd" used to crash `grace client show` with a MarkupError; "[link=http://evil]"
or ESC sequences in a note restyled the terminal. The database here holds such text in every field the
commands print (stored directly, as old data or another path would leave it, and through the commands
themselves); each command runs through the real `grace` app and must exit as usual and show it literally.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from engine.config import Settings
from tests.conftest import in_thread

MARKUP = "Acme [/b] Ltd [bold red]x[/] [link=http://evil]y :warning: \\[z]"
CONTROLS = "\x1b[2J\x1b]8;;http://evil\x07z\x9b31m\u202eq\rw"
HOSTILE = f"{MARKUP} {CONTROLS}"
# How HOSTILE reads on the terminal: the brackets and the emoji code as typed, each control as its escape.
SHOWN = f"{MARKUP} \\x1b[2J\\x1b]8;;http://evil\\x07z\\x9b31m\\u202eq\\rw"
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _seed(settings: Settings) -> dict[str, int]:
    """A client, lead, project with milestones, interaction and exchange rate, each carrying HOSTILE."""
    from bot.cli.common import migrate_database
    from bot.services import build_services, close_services
    from storage.models import Client, FxRate, Interaction, Lead, Milestone, Project
    from storage.types import utcnow

    async def go() -> dict[str, int]:
        services = await build_services(settings)
        try:
            async with services.session_factory() as s:
                client = Client(name=HOSTILE, email="acme@example.com", email_normalized="acme@example.com",
                                company=HOSTILE, notes=HOSTILE, currency="USD")
                s.add(client)
                await s.flush()
                lead = Lead(client_id=client.id, source="website", stage="QUALIFIED", currency="USD",
                            requirements=f"A support chatbot. {HOSTILE}", notes=HOSTILE, lost_reason=HOSTILE,
                            budget=Decimal("20000"), next_action=HOSTILE)
                s.add(lead)
                await s.flush()
                project = Project(client_id=client.id, lead_id=lead.id, title=HOSTILE, price=Decimal("9000"),
                                  currency="USD", status="delivered", proposal_approved=True)
                s.add(project)
                await s.flush()
                for seq in (1, 2):
                    s.add(Milestone(project_id=project.id, seq=seq, name=HOSTILE, share=Decimal("0.5"),
                                    amount=Decimal("4500")))
                s.add(Interaction(client_id=client.id, lead_id=lead.id, kind="call", summary=HOSTILE,
                                  occurred_at=utcnow()))
                s.add(FxRate(currency="EUR", base="USD", rate=Decimal("1.08"), as_of=utcnow().date(),
                             set_by=HOSTILE))
                await s.commit()
                return {"client": client.id, "lead": lead.id, "project": project.id}
        finally:
            await close_services(services)

    migrate_database(settings)
    return asyncio.run(go())


@pytest.fixture
def grace(tmp_path: Path) -> Any:
    env = {"GRACE_DATA_DIR": str(tmp_path / "data"), "GRACE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/g.db",
           "GRACE_SECRET_KEY": "k", "GRACE_REDIS_URL": "", "GRACE_MODEL": "offline"}
    settings = Settings(data_dir=tmp_path / "data", database_url=env["GRACE_DATABASE_URL"], secret_key="k",
                        redis_url="", _env_file=None)  # type: ignore[call-arg]
    ids = in_thread(_seed, settings)
    runner = CliRunner()

    def run(*argv: Any, code: int = 0) -> str:
        r = runner.invoke(app, [str(a) for a in argv], env=env)
        assert r.exit_code == code, (argv, r.output, r.exception)
        assert r.exception is None or isinstance(r.exception, SystemExit), (argv, r.exception)
        assert not RAW_CONTROL.search(r.output), (argv, r.output)
        return " ".join(r.output.split())  # rich wraps long lines at the console's width

    run.ids = ids  # type: ignore[attr-defined]
    run.env = env  # type: ignore[attr-defined]
    return run


def shows(out: str, text: str) -> bool:
    return " ".join(text.split()) in out


def test_records_holding_markup_and_escape_sequences_print_as_written(grace: Any) -> None:
    ids = grace.ids
    out = grace("client", "show", ids["client"])
    assert shows(out, f"name: {SHOWN}") and shows(out, f"company: {SHOWN}") and shows(out, f"notes: {SHOWN}")
    out = grace("lead", "show", ids["lead"])
    assert shows(out, f"requirements: A support chatbot. {SHOWN}") and shows(out, f"lost_reason: {SHOWN}")
    assert shows(grace("client", "timeline", ids["client"]), f"call: {SHOWN}")
    assert shows(grace("project", "list"), f"{SHOWN} ({SHOWN})")
    assert shows(grace("fx", "list"), f"(set by {SHOWN})")
    out = grace("invoice", "collect", ids["project"], "--milestone", 1)
    invoice_id = re.search(r"invoice_id: (\d+)", out).group(1)  # type: ignore[union-attr]
    assert shows(grace("invoice", "list"), f"project #{ids['project']} {SHOWN}")
    out = grace("invoice", "mark-paid", invoice_id, "--reference", "TRF [/i] 42 [red] :moneybag:")
    assert "status: paid" in out and "transaction_id: TRF [/i] 42 [red] :moneybag:" in out
    # The change's "before" is the stored note: its controls show as escapes, not as a cleared screen.
    out = grace("lead", "edit", ids["lead"], "--notes", "Call [/b] back [link=http://x]now")
    assert "\\x1b[2J" in out and "'Call [/b] back [link=http://x]now'" in out and "[/b] Ltd [bold red]x[/]" in out


def test_commands_that_write_print_the_words_they_were_given(grace: Any, tmp_path: Path) -> None:
    ids = grace.ids
    out = grace("client", "edit", ids["client"], "--company", "New [/i] Co [bold]")
    assert "New [/i] Co [bold]" in out
    out = grace("interaction", "log", "--kind", "note", "--summary", "Said [/b] no :warning:", "--client",
                ids["client"])
    assert out.startswith("Logged note #")
    assert shows(grace("client", "timeline", ids["client"]), "note: Said [/b] no :warning:")
    assert "Eve [/b] [red] (U0HOSTILE) is now sales" in grace("team", "add", "U0HOSTILE", "--name", "Eve [/b] [red]",
                                                               "--role", "sales")
    assert "API key for bot [/x] :fire: (viewer)" in grace("apikey", "create", "--name", "bot [/x] :fire:",
                                                           "--role", "viewer")
    assert "bot [/x] :fire: (viewer)" in grace("apikey", "list")
    assert "Form Contact [/b] us:" in grace("form", "create", "--name", "Contact [/b] us")
    assert "Contact [/b] us" in grace("form", "list")


def test_imported_rows_and_proposals_print_as_written(grace: Any, tmp_path: Path) -> None:
    csv = tmp_path / "leads.csv"
    csv.write_text("name,email,company,requirements,budget\n"
                   "Bea [/b] Stone,bea@example.com,[link=http://evil]Stone Co,A support chatbot [/i] with CRM,15000\n"
                   "Bad [/b] Row,not-an-email [/b],X,Y,1\n")
    out = grace("import", "leads", csv)
    assert "2 rows: 1 leads created" in out and "row 3:" in out
    lead_id = grace.ids["lead"] + 1
    out = grace("lead", "show", lead_id)
    assert "requirements: A support chatbot [/i] with CRM" in out
    out = grace("proposal", "generate", lead_id, "--requirements", "A support chatbot [/b] with [bold]CRM")
    assert f"Proposal #1 v1 for lead #{lead_id}" in out and "client link: http" in out
    bad = tmp_path / "policies.yml"
    bad.write_text("version: 1\nactions:\n  \"[/b]evil\":\n    roles: [\"[red]x\"]\n")
    out = grace("policy", "lint", bad, code=1)
    assert "[/b]evil" in out


def test_a_csv_column_named_like_markup_is_named_as_written_in_the_evaluation(tmp_path: Path) -> None:
    """`grace model evaluate` names a column that gives the outcome away: a stranger's file chose that name."""
    rng = random.Random(1)
    column = "[/b]closed [red]\x1b[2J"
    lines = [f"budget,source,industry,{column},outcome"]
    for _ in range(120):
        won = rng.random() < 0.4
        lines.append(f"{rng.randint(1, 50) * 1000},{rng.choice(['referral', 'website'])},software,"
                     f"{'yes' if won else 'no'},{'won' if won else 'lost'}")
    data = tmp_path / "past.csv"
    data.write_text("\n".join(lines) + "\n")
    r = CliRunner().invoke(app, ["model", "evaluate", "--data", str(data), "--outcome", "outcome"],
                           env={"GRACE_DATA_DIR": str(tmp_path)})
    assert r.exit_code == 0, (r.output, r.exception)
    out = " ".join(r.output.split())
    assert "column '[/b]closed [red]\\x1b[2J' gives the outcome away" in out
    assert "--exclude '[/b]closed [red]\\x1b[2J'" in out and not RAW_CONTROL.search(r.output)


def test_json_output_shows_letters_as_written_and_controls_as_escapes(grace: Any) -> None:
    """`--json` prints a name in Zoë's or 東京's letters as they are (not \\u00eb), while the seeded C1 CSI
    and right-to-left override stay escapes; the output parses back to the stored text."""
    client_id = grace.ids["client"]
    grace("client", "edit", client_id, "--company", "Zoë Müller 東京 GmbH")
    r = CliRunner().invoke(app, ["client", "show", str(client_id), "--json"], env=grace.env)
    assert r.exit_code == 0, (r.output, r.exception)
    assert not RAW_CONTROL.search(r.stdout), r.stdout
    assert '"company": "Zoë Müller 東京 GmbH"' in r.stdout and "\\u009b31m\\u202eq" in r.stdout
    assert json.loads(r.stdout)["name"] == HOSTILE
