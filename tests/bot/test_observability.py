"""/metrics speaks Prometheus and counts what happened; every answer carries a request id."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import lead_data


def _samples(text):
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


async def test_metrics_count_requests_and_captures(api):
    before = _samples((await api.get("/metrics")).text)
    r = await api.post("/api/business/leads", json=lead_data(source="referral"))
    assert r.status_code == 201 and r.headers["x-request-id"]
    await api.get("/api/business/leads/999999")
    after = _samples((await api.get("/metrics")).text)

    def delta(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert delta("grace_leads_captured_total", source="referral") == 1
    assert delta("grace_http_requests_total", method="POST", route="/api/business/leads", status="201") == 1
    assert delta("grace_http_requests_total", method="GET", route="/api/business/leads/{lead_id}", status="404") == 1
    assert ("grace_job_queue_depth", ()) in after


async def test_request_id_is_carried_from_the_caller(api):
    r = await api.get("/healthz", headers={"X-Request-ID": "abc123"})
    assert r.headers["x-request-id"] == "abc123"


async def test_builds_running_is_read_from_the_database_at_scrape_time(api, services):
    from sqlalchemy import update

    from storage.models import Project
    from tests.helpers.delivery import make_project

    running, done = await make_project(services), await make_project(services)
    async with services.session_factory() as s:
        await s.execute(update(Project).where(Project.id == running).values(status="in_progress"))
        await s.execute(update(Project).where(Project.id == done).values(status="delivered"))
        await s.commit()
    families = {f.name: f for f in text_string_to_metric_families((await api.get("/metrics")).text)}
    assert families["grace_builds_running"].samples[0].value == 1


_LOG_AN_ERROR = """
import logging, structlog
from engine.config import Settings
from bot.observability import configure_logging
configure_logging(Settings(log_json={json}))
def handler(body):
    api_token = "sk_live_" + "TOPSECRET"
    raise ValueError("bad amount")
for log in (logging.getLogger("uvicorn.error"), structlog.get_logger("grace")):
    try:
        handler("x" * 100_000)
    except ValueError:
        log.exception("request failed")
"""


@pytest.mark.parametrize("json_logs", [True, False])
def test_errors_are_logged_with_their_traceback_and_without_local_variables(json_logs):
    """A failing request's locals (bodies, tokens) never reach the log, and the traceback does, in both formats
    (JSON had lost it: the traceback object was printed as its repr; the console printed every frame's locals)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _LOG_AN_ERROR.format(json=json_logs)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    err = done.stderr
    assert err.count("ValueError: bad amount") == 2, err
    assert err.count(", in handler") == 2
    assert "TOPSECRET" not in err and "xxxxxxxxxx" not in err
    assert len(err) < 5_000
    if json_logs:
        import json

        lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
        assert [e["event"] for e in lines] == ["request failed", "request failed"]
        assert all("Traceback (most recent call last)" in e["exception"] for e in lines)
