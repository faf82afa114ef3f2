"""The vote in Slack, end to end: signed button clicks, the fake Slack API, PostgreSQL, Redis and a
real arq worker in burst mode."""

import asyncio
import uuid

import httpx
import pytest
import pytest_asyncio
from arq.connections import RedisSettings
from arq.worker import Worker
from sqlalchemy import func, select

from bot.jobs import job_table
from bot.services import build_services, close_services
from bot.slack.actions.votes import ONLY_APPROVERS
from bot.slack.ids import ActionId
from storage.models import AuditEntry, Project, ProjectArtifact, Vote
from tests.conftest import make_key
from tests.helpers.delivery import make_members, make_project
from tests.helpers.slack import block_action, button_value, post_signed
from workers.settings import worker_functions

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)


@pytest_asyncio.fixture
async def arq_services(slack_settings, redis_url):
    settings = slack_settings.model_copy(update={"redis_url": redis_url,
                                                 "queue_name": f"grace:test:{uuid.uuid4().hex[:10]}"})
    services = await build_services(settings)
    yield services
    await close_services(services)


async def run_worker(services):
    s = services.settings
    worker = Worker(functions=worker_functions(s, job_table(slack=True)), redis_settings=RedisSettings.from_dsn(s.redis_url), burst=True,
                    poll_delay=0.05, handle_signals=False, queue_name=s.queue_name, ctx={"services": services})
    try:
        await worker.main()
    finally:
        await worker.close()
    return worker


@pytest_asyncio.fixture
async def clients(arq_services):
    from bot.app import create_app

    key = await make_key(arq_services, "delivery")
    app = create_app(services=arq_services)  # the app `grace serve` builds, Slack on (signed requests only)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://grace.test") as slack, \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://grace.test",
                              headers={"Authorization": f"Bearer {key}"}) as api:
        yield slack, api


async def test_vote_in_slack_then_build_on_a_worker(arq_services, clients, fake_slack):
    slack, api = clients
    approvers = await make_members(arq_services, "approver", 3)
    await make_members(arq_services, "sales", 1, prefix="USALES")
    pid = await make_project(arq_services, price="12000", milestones=3)

    r = await api.post("/api/business/projects/deliver", json={"project_id": pid})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "awaiting_approval" and body["project_id"] == pid and "job_id" not in body
    vote_id = body["vote_id"]
    posted = (await fake_slack.wait_for("chat.postMessage"))[0]
    assert posted.params["channel"] == "C0APPROVE"
    blocks = posted.params["blocks"]
    flat = str(blocks)
    assert "Grace Hopper" in flat and "12000.00" in flat and "Chatbot" in flat and "weeks: 8" in flat
    assert "View the proposal" in flat
    value = button_value(blocks, ActionId.VOTE_APPROVE)
    assert value and button_value(blocks, ActionId.VOTE_REJECT)

    # a non-approver's click is refused, ephemerally
    r = await post_signed(slack, block_action("USALES001", ActionId.VOTE_APPROVE, value))
    assert r.status_code == 200
    eph = await fake_slack.wait_for("chat.postEphemeral", 1)
    assert eph[0].params["user"] == "USALES001" and eph[0].params["text"] == ONLY_APPROVERS

    # a bad signature never reaches the handlers
    r = await post_signed(slack, block_action(approvers[0], ActionId.VOTE_APPROVE, value), secret="wrong")
    assert r.status_code == 401

    # the same approver twice counts once; the message is redrawn with the tally
    await post_signed(slack, block_action(approvers[0], ActionId.VOTE_APPROVE, value))
    updates = await fake_slack.wait_for("chat.update", 1)
    vote_ts = (await api.get(f"/api/business/votes/{vote_id}")).json()["slack_ts"]
    assert vote_ts and updates[0].params["ts"] == vote_ts and updates[0].params["channel"] == "C0APPROVE"
    assert "1 approve" in str(updates[0].params["blocks"]) and f"<@{approvers[0]}> approved" in str(
        updates[0].params["blocks"])
    await post_signed(slack, block_action(approvers[0], ActionId.VOTE_APPROVE, value))
    eph = await fake_slack.wait_for("chat.postEphemeral", 2)
    assert "already counted" in eph[1].params["text"]
    vote = (await api.get(f"/api/business/votes/{vote_id}")).json()
    assert (vote["status"], vote["approve"], vote["reject"]) == ("open", 1, 0)
    assert [v["user"] for v in vote["voters"]] == [approvers[0]]

    # quorum: the second approver decides; the build is enqueued on Redis
    await post_signed(slack, block_action(approvers[1], ActionId.VOTE_APPROVE, value))
    await wait_until(lambda: project_status(arq_services, pid), "in_progress")
    decided = await fake_slack.wait_for("chat.update", 2)
    decided_blocks = str(decided[-1].params["blocks"])
    assert "Approved" in decided_blocks and ActionId.VOTE_APPROVE.value not in decided_blocks
    assert ActionId.BUILD_CANCEL.value in decided_blocks
    vote = (await api.get(f"/api/business/votes/{vote_id}")).json()
    assert (vote["status"], vote["approve"]) == ("approved", 2)

    worker = await run_worker(arq_services)
    assert worker.jobs_complete >= 1 and worker.jobs_failed == 0

    project = (await api.get(f"/api/business/projects/{pid}")).json()
    assert project["status"] == "delivered" and project["progress"] == 1.0
    assert len(project["artifacts"]) == 6 and all(len(a["sha256"]) == 64 for a in project["artifacts"])
    assert [m["status"] for m in project["milestones"]] == ["done"] * 3
    # the vote message shows the delivery; progress went to the vote's thread
    await wait_until(lambda: last_update_has(fake_slack, "delivered"), True)
    assert ActionId.BUILD_CANCEL.value not in str(fake_slack.of("chat.update")[-1].params["blocks"])
    thread = [c.params["text"] for c in fake_slack.of("chat.postMessage") if c.params.get("thread_ts") == vote_ts]
    assert any("approved" in t for t in thread) and any("is delivered" in t for t in thread)
    assert sum(": milestone " in t and "built" in t for t in thread) == 3


async def test_under_threshold_no_vote_is_opened(arq_services, clients, fake_slack):
    _, api = clients
    await make_members(arq_services, "approver", 3)
    pid = await make_project(arq_services, price="4000", milestones=2)
    r = await api.post("/api/business/projects/deliver", json={"project_id": pid})
    assert r.json() == {"project_id": pid, "status": "in_progress", "job_id": f"build:{pid}"}
    await run_worker(arq_services)
    project = (await api.get(f"/api/business/projects/{pid}")).json()
    assert project["status"] == "delivered" and project["vote_id"] is None
    assert not any(c.params.get("blocks") for c in fake_slack.of("chat.postMessage"))


async def test_twenty_approvers_click_at_once(arq_services, clients, fake_slack):
    """Twenty approvers, each clicking twice at the same moment: every approver counts once,
    and the decision (at the twentieth vote, quorum 20) is taken exactly once."""
    slack, api = clients
    arq_services.settings.parliament_quorum = 20
    approvers = await make_members(arq_services, "approver", 20)
    pid = await make_project(arq_services, price="50000", milestones=2)
    vote_id = (await api.post("/api/business/projects/deliver", json={"project_id": pid})).json()["vote_id"]
    posted = (await fake_slack.wait_for("chat.postMessage"))[0]
    value = button_value(posted.params["blocks"], ActionId.VOTE_APPROVE)
    responses = await asyncio.gather(*(post_signed(slack, block_action(u, ActionId.VOTE_APPROVE, value))
                                       for u in approvers * 2))
    assert {r.status_code for r in responses} == {200}
    await fake_slack.wait_for("chat.postEphemeral", 20, timeout=30)  # twenty "already counted"
    await wait_until(lambda: project_status(arq_services, pid), "in_progress")
    async with arq_services.session_factory() as s:
        voters = (await s.execute(select(Vote.voter).where(Vote.session_id == vote_id))).scalars().all()
        decided = (await s.execute(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "vote.decided"))).scalar_one()
        started = (await s.execute(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "project.delivery_started"))).scalar_one()
    assert sorted(voters) == sorted(approvers)
    vote = (await api.get(f"/api/business/votes/{vote_id}")).json()
    assert (vote["approve"], vote["status"]) == (20, "approved")
    assert decided == 1 and started == 1
    await run_worker(arq_services)
    async with arq_services.session_factory() as s:
        assert (await s.get(Project, pid)).status == "delivered"
        assert (await s.execute(select(func.count()).select_from(ProjectArtifact))).scalar_one() == 4


def last_update_has(fake_slack, word):
    ups = fake_slack.of("chat.update")
    return bool(ups) and word in str(ups[-1].params["blocks"])


async def project_status(services, pid):
    async with services.session_factory() as s:
        return (await s.get(Project, pid)).status


async def wait_until(probe, expected, timeout=15.0):
    for _ in range(int(timeout / 0.05)):
        got = probe()
        if asyncio.iscoroutine(got):
            got = await got
        if got == expected:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {expected!r} (last {got!r})")
