"""`grace model train` and `grace model evaluate`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from bot.cli.common import clean, console, err_console, operation, print_json, run, safe, with_services
from engine.errors import GraceError

model = typer.Typer(help="The lead-scoring model.", no_args_is_help=True)


@contextmanager
def steps(what: str) -> Iterator[Callable[[str], None]]:
    """A progress display on stderr (the JSON on stdout stays clean): the step the engine is at, a
    count of the steps done and the time elapsed. Gone when the work ends."""
    with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), TextColumn("{task.fields[step]}", markup=False),
                  TextColumn("({task.completed} steps)"), TimeElapsedColumn(),
                  console=err_console, transient=True) as bar:
        task = bar.add_task(what, total=None, step="starting")

        def listen(step: str) -> None:
            bar.update(task, advance=1, step=clean(step))

        yield listen


@model.command("train")
def train_cmd(
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    estimator: str = typer.Option(None, "--estimator", help="Force logistic_regression, random_forest or "
                                  "gradient_boosting instead of choosing by cross-validation."),
) -> None:
    """Train on the closed leads in the database and make the new version active."""
    from engine.scoring.registry import train_model  # deferred for start-up time (scikit-learn)

    with steps("training") as listen:
        result = run(with_services(lambda s: operation(s, train_model, estimator=estimator, progress=listen)))
    if not result.promoted:
        err_console.print(f"[yellow]warning:[/yellow] model #{result.model_id} was stored but not made active: "
                          f"{safe(result.reason)}")
    if json_out:
        print_json(result.model_dump(mode="json"))
        return
    cv = ", ".join(f"{k} {v:.3f}" for k, v in result.metrics.get("cv_roc_auc", {}).items()) or "not compared"
    console.print(clean(f"model #{result.model_id}: {result.estimator} on {result.training_size} closed leads "
                        f"({result.positives} won, {result.negatives} lost); CV ROC AUC: {cv}"), markup=False)
    console.print(clean(f"{'active' if result.promoted else 'not active'}: {result.reason}"), markup=False)


@model.command("evaluate")
def evaluate_cmd(
    data: Path = typer.Option(..., "--data", help="CSV of past leads with their outcome."),
    outcome: str = typer.Option(..., "--outcome", help="Column holding the outcome."),
    positive: str = typer.Option(None, "--positive", help="Value of the outcome column that means won "
                                 "(default: 1, yes, true, won, converted...)."),
    map: list[str] = typer.Option([], "--map", help='"CSV column=field", repeatable.'),
    exclude: list[str] = typer.Option([], "--exclude", help="Column to leave out, repeatable."),
    created_at: str = typer.Option(None, "--created-at", help="Column with the lead's date (orders --split time)."),
    split: str = typer.Option("cv", "--split", help="cv (5-fold) or time (train on the earlier 80%)."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    plot_to: Path = typer.Option(None, "--plot", help="Write ROC and calibration curves to this PNG."),
) -> None:
    """Measure the model and the cold-start rule on a CSV file, without touching the database."""
    if split not in ("cv", "time"):
        raise typer.BadParameter("--split is cv or time")
    from engine.pipeline.csvfile import read_file  # deferred for start-up time (scikit-learn, below)
    from engine.pipeline.importer import parse_mapping
    from engine.scoring.dataset import load_dataset
    from engine.scoring.evaluate import evaluate_dataset, plot

    try:
        header, rows = read_file(data)
        ds = load_dataset(header, rows, outcome=outcome, positive=positive, mapping=parse_mapping(map),
                          exclude=exclude, created_at=created_at)
        with steps("evaluating") as listen:
            ev, details = evaluate_dataset(ds, split=split, progress=listen)  # type: ignore[arg-type]
    except GraceError as e:
        err_console.print(f"[red]error:[/red] {safe(e.message)}")
        raise typer.Exit(1) from None
    if plot_to:
        plot(plot_to, details["y"], details["model_p"], details["rule_p"], ev.model.name)  # type: ignore[arg-type]
    for col, why in details["leaks"].items():  # type: ignore[attr-defined]
        err_console.print(f"[yellow]warning:[/yellow] column {safe(repr(col))} gives the outcome away ({safe(why)}): "
                          f"it was probably filled in after the outcome was known. Leave it out with "
                          f"--exclude {safe(repr(col))}.")
    if not ev.calibration.promotable:
        err_console.print(f"[yellow]warning:[/yellow] this model would not be promoted: {safe(ev.calibration.reason)}.")
    if json_out:
        print_json(ev.model_dump(mode="json"))
        return
    how = "5-fold cross-validation" if split == "cv" else "trained on the earlier 80%, tested on the rest"
    console.print(f"{ev.rows} leads, {ev.positive_rate:.1%} won; {how}", markup=False)
    console.print(f"{'':28}{'ROC AUC':>9}{'PR AUC':>9}{'Brier':>8}{'top 10%':>9}")
    for label, f in ((f"model ({ev.model.name})", ev.model), ("cold-start rule", ev.rule)):
        console.print(f"{clean(label):28}{f.roc_auc:>9.3f}{f.pr_auc:>9.3f}{f.brier:>8.3f}"
                      f"{f.precision_top_decile:>9.1%}", markup=False)
    cands = ", ".join(f"{k} {v:.3f}" for k, v in details["candidates"].items())  # type: ignore[attr-defined]
    console.print(clean(f"candidates (ROC AUC, uncalibrated): {cands}"), markup=False)
    console.print(clean(f"calibration: {ev.calibration.reason}"), markup=False)
    if plot_to:
        console.print(clean(f"curves written to {plot_to}"), markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(model, name="model")
