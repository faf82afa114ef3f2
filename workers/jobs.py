"""Job functions. Each is idempotent and takes arq's `ctx` (which holds `services`).

`JOBS` lists this package's jobs by name; the processes' composition roots (`bot/jobs.py`)
add the Slack reply jobs to it. Nothing registers itself on import.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from engine.actors import Actor
from engine.billing.reminders import remind_overdue_invoices
from engine.context import unit_of_work
from engine.crm.digest import next_action_digest
from engine.monitoring.alerts import run_alert_checks
from engine.satisfaction.surveys import schedule_nps_survey as plan
from engine.satisfaction.surveys import send_due_surveys
from engine.scoring.jobs import rescore_leads_nightly, retrain_nightly
from engine.verification import render, verify_invariants
from workers.builds import close_expired_votes, run_build
from workers.queue import JobFunc


async def ping(ctx: dict[str, Any]) -> str:
    """A no-op job used by health checks and tests of the queue."""
    return "pong"


async def check_alerts(ctx: dict[str, Any]) -> dict[str, Any]:
    """Run the alert checks once (cron: every GRACE_ALERT_INTERVAL_MINUTES)."""
    async with unit_of_work(ctx["services"], Actor.system("alerts")) as octx:
        result = await run_alert_checks(octx)
    return result.model_dump()


async def schedule_nps_survey(ctx: dict[str, Any], project_id: int) -> dict[str, Any]:
    """Enqueued on delivery: plan the project's NPS survey `GRACE_NPS_DELAY_DAYS` later (sent by
    `send_due_nps_surveys`; at once when the delay is 0). Idempotent per project."""
    services = ctx["services"]
    async with unit_of_work(services, Actor.system("nps-scheduler")) as uow:
        planned = await plan(uow, project_id)
    if planned.status == "scheduled" and services.settings.nps_delay_days == 0:
        await send_due_surveys(services)
    return planned.model_dump(mode="json")


async def send_due_nps_surveys(ctx: dict[str, Any]) -> dict[str, Any]:
    """Cron job (hourly is plenty): send every scheduled NPS survey whose day has come."""
    return (await send_due_surveys(ctx["services"])).model_dump(mode="json")


async def send_overdue_reminders(ctx: dict[str, Any]) -> dict[str, Any]:
    """Daily: mark past-due invoices overdue and remind the team once per invoice per day.

    Run it from arq's cron (`cron(send_overdue_reminders, hour=8, minute=0)` in the
    WorkerSettings) or `grace invoice remind-overdue` from the system's cron.
    """
    async with unit_of_work(ctx["services"], Actor.system("overdue-reminders")) as uow:
        report = await remind_overdue_invoices(uow)
    return report.model_dump(mode="json")


async def verify_invariants_daily(ctx: dict[str, Any]) -> bool:
    """Run `grace verify`'s checks; alert the alerts channel when one fails. Safe to run twice."""
    services = ctx["services"]
    async with unit_of_work(services, Actor.system("verify")) as op_ctx:
        report = await verify_invariants(op_ctx)
    if not report.ok:
        names = ", ".join(c.name for c in report.failed)
        await services.notifier.post(services.settings.alerts_channel or None,
                                     f":warning: Grace's daily verification failed: {names}\n"
                                     + "\n".join(render(report)),
                                     key=f"verify:{date.today().isoformat()}:{names}")  # once a day per failure
    return report.ok


async def send_next_action_digest(ctx: dict[str, Any]) -> dict[str, Any]:
    """Daily: each owner's next actions due today (and overdue) in Slack, once per owner per day."""
    async with unit_of_work(ctx["services"], Actor.system("next-action-digest")) as uow:
        report = await next_action_digest(uow)
    return report.model_dump(mode="json")


async def retrain_scoring_model(ctx: dict[str, Any]) -> str:
    """Nightly: retrain when new outcomes exist; promote only if not worse on the newest 20%."""
    return await retrain_nightly(ctx["services"])


JOBS: dict[str, JobFunc] = {fn.__name__: fn for fn in (
    ping, check_alerts, schedule_nps_survey, send_due_nps_surveys, send_overdue_reminders, verify_invariants_daily,
    retrain_scoring_model, run_build, close_expired_votes, send_next_action_digest,
    rescore_leads_nightly,
)}
