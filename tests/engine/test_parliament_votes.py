"""Votes: one per approver, refusals audited, the decision taken once and acted on."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from engine.actors import Role
from engine.delivery.deliver import deliver_project
from engine.errors import NotEnoughApprovers, PolicyDenied, VoteClosed
from engine.parliament.votes import cast_vote, close_expired_votes, get_vote
from storage.models import AuditEntry, Project, Vote, VoteSession
from storage.types import utcnow
from tests.conftest import ADMIN, op
from tests.helpers.delivery import DELIVERY, make_members, make_project, member


async def audit_actions(services, action):
    async with services.session_factory() as s:
        return (await s.execute(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq))
                ).scalars().all()


async def open_project_vote(services, approvers=3, price="12000"):
    ids = await make_members(services, "approver", approvers)
    pid = await make_project(services, price=price)
    res = await op(services, DELIVERY, deliver_project, pid)
    assert res.status == "awaiting_approval" and res.vote_id
    return pid, res.vote_id, ids


async def test_over_threshold_opens_one_vote(services):
    pid, vote_id, ids = await open_project_vote(services)
    again = await op(services, DELIVERY, deliver_project, pid)
    assert again.status == "awaiting_approval" and again.vote_id == vote_id
    vote = await op(services, ADMIN, get_vote, vote_id)
    assert vote.status == "open" and vote.approvers == ids and vote.quorum == 2
    assert vote.summary["client"].startswith("Grace Hopper") and vote.summary["price"] == "12000.00"
    assert "Chatbot: answers support questions" in vote.summary["deliverables"]
    async with services.session_factory() as s:
        assert (await s.get(Project, pid)).status == "awaiting_approval"
        assert (await s.execute(select(func.count()).select_from(VoteSession))).scalar_one() == 1


async def test_too_few_approvers_is_a_clear_error(services):
    await make_members(services, "approver", 1)
    pid = await make_project(services)
    with pytest.raises(NotEnoughApprovers, match="quorum is 2"):
        await op(services, DELIVERY, deliver_project, pid)


async def test_non_approver_is_refused_and_audited(services):
    _, vote_id, _ = await open_project_vote(services)
    with pytest.raises(PolicyDenied):
        await op(services, member("USALES1", Role.SALES), cast_vote, vote_id, "approve")
    # an approver who was not one when the vote opened is not on its list either
    late = (await make_members(services, "approver", 1, prefix="ULATE"))[0]
    with pytest.raises(PolicyDenied, match="Only approvers can vote"):
        await op(services, member(late), cast_vote, vote_id, "approve")
    refusals = await audit_actions(services, "policy.denied")
    assert [r.details.get("voter") for r in refusals if r.details.get("vote_id") == vote_id] == ["ULATE001"]
    assert len(refusals) == 2
    vote = await op(services, ADMIN, get_vote, vote_id)
    assert vote.approve == 0 and vote.voters == []


async def test_same_approver_twice_counts_once(services):
    _, vote_id, ids = await open_project_vote(services)
    first = await op(services, member(ids[0]), cast_vote, vote_id, "approve")
    second = await op(services, member(ids[0]), cast_vote, vote_id, "approve")
    third = await op(services, member(ids[0]), cast_vote, vote_id, "reject")  # changes are off by default
    assert first.counted and not second.counted and not third.counted
    vote = await op(services, ADMIN, get_vote, vote_id)
    assert (vote.approve, vote.reject, vote.status) == (1, 0, "open")
    assert [v.user for v in vote.voters] == [ids[0]]


async def test_vote_change_when_allowed(services):
    services.settings.vote_changes_allowed = True
    _, vote_id, ids = await open_project_vote(services, approvers=4)
    await op(services, member(ids[0]), cast_vote, vote_id, "reject")
    changed = await op(services, member(ids[0]), cast_vote, vote_id, "approve")
    assert changed.counted and changed.changed
    assert (changed.vote.approve, changed.vote.reject) == (1, 0)


async def test_quorum_approves_and_starts_delivery(services):
    pid, vote_id, ids = await open_project_vote(services)
    await op(services, member(ids[0]), cast_vote, vote_id, "approve", "looks good")
    result = await op(services, member(ids[1]), cast_vote, vote_id, "approve")
    assert result.decided == "approved" and result.vote.status == "approved"
    with pytest.raises(VoteClosed):
        await op(services, member(ids[2]), cast_vote, vote_id, "reject")
    await services.queue.join()
    async with services.session_factory() as s:
        project = await s.get(Project, pid)
        assert project.status == "delivered" and project.progress == 1.0
    decided = await audit_actions(services, "vote.decided")
    assert len(decided) == 1 and decided[0].details["decision"] == "approved"
    assert len(await audit_actions(services, "vote.cast")) == 2


async def test_rejection_stops_the_project(services):
    pid, vote_id, ids = await open_project_vote(services, approvers=2)
    await op(services, member(ids[0]), cast_vote, vote_id, "approve")
    result = await op(services, member(ids[1]), cast_vote, vote_id, "reject")
    assert result.decided == "rejected"
    async with services.session_factory() as s:
        assert (await s.get(Project, pid)).status == "rejected"


async def test_admin_veto(services):
    services.settings.parliament_admin_veto = True
    pid, vote_id, ids = await open_project_vote(services)
    await op(services, member(ids[0]), cast_vote, vote_id, "approve")
    result = await op(services, member("UADMIN1", Role.ADMIN), cast_vote, vote_id, "reject")
    assert result.decided == "rejected" and "veto" in (result.vote.decision_reason or "")


async def test_expired_votes_close_as_the_rule_says(services):
    pid, vote_id, ids = await open_project_vote(services)
    await op(services, member(ids[0]), cast_vote, vote_id, "approve")
    assert await op(services, ADMIN, close_expired_votes) == []
    async with services.session_factory() as s:
        await s.execute(update(VoteSession).values(deadline_at=utcnow() - timedelta(minutes=1)))
        await s.commit()
    assert await op(services, ADMIN, close_expired_votes) == [vote_id]
    assert await op(services, ADMIN, close_expired_votes) == []
    vote = await op(services, ADMIN, get_vote, vote_id)
    assert vote.status == "expired" and "deadline" in vote.decision_reason
    async with services.session_factory() as s:
        assert (await s.get(Project, pid)).status == "rejected"


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_twenty_approvers_at_once_decide_once(services):
    """Quorum 2, twenty approvers click approve at the same moment (each twice)."""
    services.settings.db_pool_size = 20
    pid, vote_id, ids = await open_project_vote(services, approvers=20)

    async def click(uid):
        try:
            return await op(services, member(uid), cast_vote, vote_id, "approve")
        except VoteClosed:
            return None

    results = await asyncio.gather(*(click(uid) for uid in ids * 2))
    counted = [r for r in results if r and r.counted]
    async with services.session_factory() as s:
        voters = (await s.execute(select(Vote.voter).where(Vote.session_id == vote_id))).scalars().all()
        vs = await s.get(VoteSession, vote_id)
    assert len(voters) == len(set(voters)) == len(counted) == vs.approve_count
    assert vs.status == "approved"
    assert len([r for r in results if r and r.decided]) == 1
    assert len(await audit_actions(services, "vote.decided")) == 1
    assert len(await audit_actions(services, "project.delivery_started")) == 1
    await services.queue.join()
