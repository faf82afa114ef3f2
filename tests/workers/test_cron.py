"""One schedule feeds arq's cron and the in-process loop."""

from engine.config import Settings
from workers.cron import schedule
from workers.jobs import JOBS
from workers.settings import cron_jobs


def test_every_scheduled_job_exists_and_becomes_an_arq_cron():
    settings = Settings(_env_file=None, secret_key="x")  # type: ignore[call-arg]
    names = [n for n, _ in schedule(settings)]
    assert all(n in JOBS for n in names)
    crons = {c.name: c for c in cron_jobs(settings)}
    assert set(crons) == {f"cron:{n}" for n in names}
    assert crons["cron:retrain_scoring_model"].hour == {2}
    assert crons["cron:send_overdue_reminders"].hour == {8}
    assert crons["cron:send_due_nps_surveys"].minute == {0} and crons["cron:send_due_nps_surveys"].hour is None
    assert crons["cron:check_alerts"].minute == set(range(0, 60, settings.alert_interval_minutes))
