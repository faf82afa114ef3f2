"""`grace import leads FILE.csv`."""

from __future__ import annotations

from pathlib import Path

import typer

from bot.cli.common import clean, console, operation, print_json, run, with_services

imports = typer.Typer(help="Bring data in.", no_args_is_help=True)


@imports.command("leads")
def import_leads_cmd(
    file: Path = typer.Argument(..., help="CSV file (comma or semicolon separated, UTF-8)."),
    map: list[str] = typer.Option([], "--map", help='"CSV column=field", repeatable.'),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    outcome: str = typer.Option(None, "--outcome", help="Column with the outcome: rows become won or lost leads."),
    positive: str = typer.Option(None, "--positive", help="Outcome value meaning won (default: 1, yes, won...)."),
    exclude: list[str] = typer.Option([], "--exclude", help="Column to leave out, repeatable."),
    created_at: str = typer.Option(None, "--created-at", help="Column with the date the lead came in."),
) -> None:
    """Upsert clients by e-mail and create a lead per row; report created, updated and rejected rows.
    With --outcome, past leads come in as won (CONTRACT) or LOST, for the scoring model to learn from."""
    # deferred for start-up time: the progress bar and the engine, only when importing
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from engine.pipeline.importer import import_leads, parse_mapping
    from engine.scoring.dataset import check_columns
    from engine.scoring.history_import import outcome_hook

    mapping = parse_mapping(map)
    header, rows = run(_read(file))
    hook = None
    if outcome or created_at:
        check_columns(header, outcome or created_at, created_at, exclude)
        hook = outcome_hook(outcome, positive, created_at) if outcome else outcome_hook("", None, created_at)
    skip = [*exclude, *(c for c in (outcome, created_at) if c)]
    total = max(sum(1 for _ in file.open(encoding="utf-8-sig", errors="replace")) - 1, 0)

    async def go(services):  # type: ignore[no-untyped-def]
        with Progress(TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=console, transient=True, disable=json_out) as bar:
            task = bar.add_task("rows", total=total)
            return await operation(services, import_leads, header, rows, mapping=mapping,
                                   exclude=skip, row_hook=hook, progress=lambda n: bar.advance(task, n))

    report = run(with_services(go))
    if json_out:
        print_json(report.model_dump(mode="json"))
        return
    console.print(f"{report.rows} rows: {report.created} leads created, {report.clients_created} new clients, "
                  f"{report.clients_updated} clients updated, {len(report.rejected)} rejected")
    for r in report.rejected[:50]:
        console.print(clean(f"  row {r.row}: {r.reason}"), markup=False)
    if len(report.rejected) > 50:
        console.print(f"  ... and {len(report.rejected) - 50} more (use --json for all)")


async def _read(file: Path):  # type: ignore[no-untyped-def]
    from engine.pipeline.csvfile import read_file  # deferred for start-up time

    return read_file(file)


def register(app: typer.Typer) -> None:
    app.add_typer(imports, name="import")
