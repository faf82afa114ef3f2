"""After the guided demo, /metrics has non-zero samples for every family issue 10 lists."""

import json
import time
from io import StringIO
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Console
from slack_sdk.signature import SignatureVerifier

from bot.app import create_app
from bot.devtools.demo import run_demo
from tests.conftest import SLACK_SIGNING_SECRET


def scrape(text: str) -> tuple[set[str], dict[tuple[str, tuple], float]]:
    families, samples = set(), {}
    for fam in text_string_to_metric_families(text):
        families.add(fam.name)
        for s in fam.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return families, samples


async def signed_slack_event(client: httpx.AsyncClient) -> httpx.Response:
    body = json.dumps({"type": "url_verification", "token": "legacy", "challenge": "demo-challenge"})
    ts = str(int(time.time()))
    sig = SignatureVerifier(SLACK_SIGNING_SECRET).generate_signature(timestamp=ts, body=body)
    return await client.post("/slack/events", content=body, headers={
        "content-type": "application/json", "x-slack-request-timestamp": ts, "x-slack-signature": sig})


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_every_metric_family_moves_after_the_demo(slack_services, tmp_path: Path):
    app = create_app(services=slack_services)  # Slack on: /slack/events is mounted and signed
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://grace.test") as client:
        _, before = scrape((await client.get("/metrics")).text)
        await run_demo(tmp_path, out=Console(file=StringIO()))
        r = await signed_slack_event(client)
        assert r.status_code == 200 and "demo-challenge" in r.text
        families, after = scrape((await client.get("/metrics")).text)

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    def total(name: str) -> float:
        return sum(v for (n, _), v in after.items() if n == name) - \
            sum(v for (n, _), v in before.items() if n == name)

    assert delta("grace_http_requests_total", method="POST", route="/forms/{form_id}", status="201") == 1
    assert delta("grace_http_requests_total", method="POST", route="/webhooks/stripe", status="200") == 1
    assert delta("grace_http_requests_total", method="POST", route="/nps/{token}", status="303") == 1
    assert total("grace_http_request_seconds_count") >= 7
    assert delta("grace_leads_captured_total", source="website") == 2  # the form's lead and the repeat one
    assert delta("grace_qualifications_total", qualified="true") == 1
    assert delta("grace_qualification_score_count") == 1 and delta("grace_qualification_score_sum") > 70
    assert delta("grace_stage_moves_total", from_stage="LEAD", to_stage="QUALIFIED") == 1
    assert delta("grace_stage_moves_total", from_stage="DELIVERED", to_stage="PAID") == 1
    assert delta("grace_votes_total", kind="opened") == 1 and delta("grace_votes_total", kind="cast") == 2
    assert delta("grace_votes_total", kind="approved") == 1
    assert delta("grace_builds_total", status="started") == 1 and delta("grace_builds_total", status="delivered") == 1
    assert delta("grace_build_seconds_count") == 1
    assert delta("grace_invoices_total", status="issued") == 1 and delta("grace_invoices_total", status="paid") == 1
    assert delta("grace_nps_responses_total", category="promoter") == 1
    assert delta("grace_slack_ack_seconds_count") == 1
    # Gauges and failure counters: present, and nothing failed in the demo.
    assert {"grace_builds_running", "grace_job_queue_depth", "grace_builds", "grace_invoices"} <= families
    assert delta("grace_builds_total", status="failed") == 0 and delta("grace_invoices_total", status="failed") == 0
    assert delta("grace_builds_running") == 0  # the demo's build started and ended here
