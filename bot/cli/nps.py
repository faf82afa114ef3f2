"""`grace nps send PROJECT_ID`, `grace nps due`, `grace nps report PROJECT_ID`."""

from __future__ import annotations

import typer

from bot.cli.common import clean, console, operation, print_json, run, with_services

nps = typer.Typer(help="NPS surveys and client satisfaction.", no_args_is_help=True)


@nps.command("send")
def send_cmd(project_id: int = typer.Argument(..., help="A delivered project.")) -> None:
    """Send the project's NPS survey now; prints the client's link."""
    from engine.satisfaction.surveys import send_nps_survey  # deferred for start-up time

    sent = run(with_services(lambda s: operation(s, send_nps_survey, project_id)))
    console.print(clean(f"survey #{sent.survey_id} open until {sent.expires_at:%Y-%m-%d}"
                        + (f", e-mailed to {sent.emailed_to}" if sent.emailed_to else "")), markup=False)
    console.print(clean(sent.link), soft_wrap=True, markup=False)


@nps.command("due")
def due_cmd() -> None:
    """Send every scheduled survey whose day has come (what the cron job does)."""
    from engine.satisfaction.surveys import send_due_surveys  # deferred for start-up time

    report = run(with_services(send_due_surveys))
    print_json(report.model_dump(mode="json"))


@nps.command("report")
def report_cmd(project_id: int = typer.Argument(...)) -> None:
    """The project's score, category, comment, recommendations and the agency's NPS, as JSON."""
    from engine.satisfaction.nps import track_client_satisfaction  # deferred for start-up time

    report = run(with_services(lambda s: operation(s, track_client_satisfaction, project_id)))
    print_json(report.model_dump(mode="json"))


def register(app: typer.Typer) -> None:
    app.add_typer(nps, name="nps")
