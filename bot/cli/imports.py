"""`grace import leads FILE.csv`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from bot.cli.common import console, operation, print_json, run, with_services
from engine.pipeline.csvfile import read_file
from engine.pipeline.importer import import_leads, parse_mapping

imports = typer.Typer(help="Bring data in.", no_args_is_help=True)


@imports.command("leads")
def import_leads_cmd(
    file: Path = typer.Argument(..., help="CSV file (comma or semicolon separated, UTF-8)."),
    map: list[str] = typer.Option([], "--map", help='"CSV column=field", repeatable.'),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Upsert clients by e-mail and create a lead per row; report created, updated and rejected rows."""
    mapping = parse_mapping(map)
    header, rows = read_file(file)
    total = max(sum(1 for _ in file.open(encoding="utf-8-sig", errors="replace")) - 1, 0)

    async def go(services):  # type: ignore[no-untyped-def]
        with Progress(TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=console, transient=True, disable=json_out) as bar:
            task = bar.add_task("rows", total=total)
            return await operation(services, import_leads, header, rows, mapping=mapping,
                                   progress=lambda n: bar.advance(task, n))

    report = run(with_services(go))
    if json_out:
        print_json(report.model_dump(mode="json"))
        return
    console.print(f"{report.rows} rows: {report.created} leads created, {report.clients_created} new clients, "
                  f"{report.clients_updated} clients updated, {len(report.rejected)} rejected")
    for r in report.rejected[:50]:
        console.print(f"  row {r.row}: {r.reason}")
    if len(report.rejected) > 50:
        console.print(f"  ... and {len(report.rejected) - 50} more (use --json for all)")


def register(app: typer.Typer) -> None:
    app.add_typer(imports, name="import")
