"""/metrics speaks Prometheus and counts what happened; every answer carries a request id."""

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
