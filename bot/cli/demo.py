"""`grace demo`: a client's whole lifecycle, played on a throw-away database."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from bot.cli.common import clean, console, fail, settings

if TYPE_CHECKING:
    from bot.devtools.demo import DemoOutcome

STEP_PAUSE = 1.0  # seconds between steps, so a person can read along
MILESTONE_PAUSE = 0.6  # seconds before each milestone of the build, so the bar moves visibly


def dashboard_note(outcome: DemoOutcome, kept: Path | None) -> None:
    """Where to look next: the user's running server, if any, and how to serve the demo's data."""
    import httpx  # deferred for start-up time

    public = settings().public_url.rstrip("/")
    try:
        up = httpx.get(f"{public}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        up = False
    if up:
        console.print(f"Your Grace server answers at {public} — the dashboard is {public}/ "
                      "(it shows your own database, not the demo's).")
    else:
        console.print(f"No Grace server answers at {public} (GRACE_PUBLIC_URL): start one with `grace serve`.")
    if kept is not None:
        console.print(clean(f"The demo's database is kept in {outcome.database}. To browse it: "
                            f"`GRACE_DATA_DIR={kept} grace serve --port 8001`, open http://127.0.0.1:8001/ and "
                            f"sign in with the demo's admin key {outcome.api_key}"), markup=False)


def demo(
    fast: bool = typer.Option(False, "--fast", help="No pauses between steps."),
    keep: Path | None = typer.Option(None, "--keep", help="Keep the demo's database in this folder (new or empty).",
                                     file_okay=False),
) -> None:
    """Play a whole client lifecycle — web form lead to paid invoice and NPS answer — on a fresh
    temporary database, with the offline model and a fake Stripe on loopback. Your own database,
    Slack and Stripe are never touched."""
    # deferred for start-up time: the demo wires the whole product
    import asyncio

    from bot.devtools.demo import DB_FILE, DemoFailed, run_demo
    from engine.config import Settings

    if keep is not None and (keep / DB_FILE).exists():
        fail(f"{keep / DB_FILE} already exists: --keep needs a new or empty folder (the demo never "
             "writes into an existing database)")
    pause, step_delay = (0.0, 0.0) if fast else (STEP_PAUSE, MILESTONE_PAUSE)
    from bot.observability import configure_logging

    configure_logging(Settings(log_level="WARNING"))  # the story is the output; warnings still show
    with tempfile.TemporaryDirectory(prefix="grace-demo-") as tmp:
        workdir = keep.resolve() if keep is not None else Path(tmp)
        try:
            outcome = asyncio.run(run_demo(workdir, out=console, pause=pause, step_delay=step_delay))
        except DemoFailed as e:
            fail(f"the demo stopped: {e}")
        console.rule()
        console.print(f"[bold green]Done[/bold green]: {len(outcome.steps)} steps in {outcome.seconds:.1f} s.")
        dashboard_note(outcome, workdir if keep is not None else None)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
