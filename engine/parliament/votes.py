"""Opening votes, casting them and closing expired ones.

One vote per approver per session is a unique constraint. Every vote locks its
session row first (`SELECT .. FOR UPDATE` on PostgreSQL; SQLite writers are
serialised by `BEGIN IMMEDIATE`), so tallies are computed one vote at a time, and
the decision is written by a conditional `UPDATE .. WHERE status = 'open'`: it is
taken exactly once however many approvers click at the same moment.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import partial

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from engine.actors import Actor, Role
from engine.context import OperationContext, Services
from engine.errors import InvalidInput, NotEnoughApprovers, PolicyDenied, VoteClosed, VoteNotFound
from engine.parliament.rules import Choice, Rule, Tally, VoteStatus, decide, decide_at_deadline
from engine.parliament.schemas import CastResult, OpenVoteInput, VoteView
from engine.parliament.views import load_vote_view as load_vote_view  # re-exported: boards read votes here
from engine.parliament.views import vote_view
from engine.parliament.vote_board import board_for
from storage.db import fetch_by_id, insert_ignore
from storage.models import TeamMember, Vote, VoteSession
from storage.types import utcnow


def voter_id(actor: Actor) -> str | None:
    """The person who votes: a team member's Slack user id (what approver lists hold), whichever
    way they vote; an API key votes as the member it is linked to (None when it is not linked,
    so two keys are never two voters); the actor label for the system."""
    if actor.kind == "team_member":
        return actor.ref
    if actor.kind == "api_key":
        return actor.member
    return actor.label


def parse_choice(value: str | Choice) -> Choice:
    try:
        return Choice(str(value).strip().lower())
    except ValueError:
        raise InvalidInput("A vote is 'approve' or 'reject'.", field="choice") from None


async def default_approvers(session: AsyncSession) -> list[str]:
    rows = await session.execute(select(TeamMember.slack_user_id).where(
        TeamMember.role == Role.APPROVER.value, TeamMember.active.is_(True)).order_by(TeamMember.id))
    return list(rows.scalars())


async def open_vote(ctx: OperationContext, data: OpenVoteInput) -> VoteView:
    """Open a vote on a subject, or return the one already open for it. Posted after commit."""
    ctx.check_policy("open_vote")
    existing = (await ctx.session.execute(select(VoteSession).where(
        VoteSession.subject_type == data.subject_type, VoteSession.subject_id == data.subject_id,
        VoteSession.status == VoteStatus.OPEN.value))).scalar_one_or_none()
    if existing is not None:
        return await vote_view(ctx.session, existing)
    s = ctx.settings
    approvers = list(dict.fromkeys(a.strip() for a in data.approvers if a.strip())) if data.approvers is not None \
        else await default_approvers(ctx.session)
    quorum = data.quorum or s.parliament_quorum
    if len(approvers) < quorum:
        raise NotEnoughApprovers(len(approvers), quorum)
    hours = data.deadline_hours or s.parliament_deadline_hours
    vs = VoteSession(
        subject_type=data.subject_type, subject_id=data.subject_id, title=data.title, status=VoteStatus.OPEN.value,
        approvers=approvers, quorum=quorum,
        approve_share=data.approve_share if data.approve_share is not None else Decimal(str(s.parliament_approve_share)),
        admin_veto=s.parliament_admin_veto if data.admin_veto is None else data.admin_veto,
        deadline_at=utcnow() + timedelta(hours=hours), opened_by=ctx.actor.label,
        slack_channel=s.approvals_channel or None, metadata_={"summary": data.summary},
    )
    ctx.session.add(vs)
    await ctx.session.flush()
    ctx.audit("vote.opened", f"vote:{vs.id}", on=f"{vs.subject_type}:{vs.subject_id}", approvers=approvers,
              quorum=quorum, approve_share=vs.approve_share, admin_veto=vs.admin_veto, deadline_at=vs.deadline_at)
    ctx.emit("vote.opened", vote_id=vs.id, subject_type=vs.subject_type, subject_id=vs.subject_id, title=vs.title)
    vote_id = vs.id
    board = board_for(ctx.services)
    ctx.after_commit(lambda: board.publish(vote_id))
    return await vote_view(ctx.session, vs)


async def cast_vote(ctx: OperationContext, vote_id: int, choice: str | Choice,
                    comment: str | None = None) -> CastResult:
    """Record the caller's vote. A repeated vote changes nothing (or changes the choice while
    open, if GRACE_VOTE_CHANGES_ALLOWED); a non-approver is refused (and audited)."""
    ctx.check_policy("cast_vote")
    pick = parse_choice(choice)
    if comment is not None and len(comment) > 2000:
        raise InvalidInput("A vote comment is at most 2000 characters.", field="comment")
    vs = await _lock(ctx.session, vote_id)
    voter = voter_id(ctx.actor)
    if voter is None:
        raise _refused(ctx, vote_id, None, "This API key is not linked to a team member, and a vote belongs to a "
                       "person: link it with `grace apikey link`.", "one_person_one_vote")
    approver = voter in vs.approvers
    can_veto = vs.admin_veto and ctx.actor.role == Role.ADMIN and not approver
    if not approver and not can_veto:
        raise _refused(ctx, vote_id, voter, "Only approvers can vote.", "approvers")
    if can_veto and pick != Choice.REJECT:
        raise _refused(ctx, vote_id, voter, "An admin who is not an approver may only veto (reject).", "admin_veto")
    mine = (await ctx.session.execute(
        select(Vote).where(Vote.session_id == vs.id, Vote.voter == voter))).scalar_one_or_none()
    if mine is not None and (mine.choice == pick.value or not ctx.settings.vote_changes_allowed
                             or vs.status != VoteStatus.OPEN.value):
        ctx.audit("vote.repeated", f"vote:{vs.id}", voter=voter, choice=pick.value, recorded=mine.choice)
        return CastResult(vote=await vote_view(ctx.session, vs), counted=False)
    if vs.status != VoteStatus.OPEN.value:
        raise VoteClosed(vs.id, vs.status)
    changed = False
    if mine is None:
        inserted = await _insert_vote(ctx.session, vs.id, voter, ctx.actor.name or voter, pick, comment)
        if not inserted:  # lost a race with our own double click; the session lock makes this rare
            return CastResult(vote=await vote_view(ctx.session, vs), counted=False)
    else:
        mine.choice, mine.comment, mine.changed_at, changed = pick.value, comment, utcnow(), True
    await ctx.session.flush()
    tally = await _tally(ctx.session, vs, vetoed=can_veto and pick == Choice.REJECT)
    vs.approve_count, vs.reject_count = tally.approve, tally.reject
    await ctx.session.flush()
    ctx.audit("vote.cast", f"vote:{vs.id}", voter=voter, choice=pick.value, changed=changed, comment=comment,
              approve=tally.approve, reject=tally.reject, eligible=tally.eligible)
    ctx.emit("vote.cast", vote_id=vs.id, voter=voter, choice=pick.value, approve=tally.approve, reject=tally.reject)
    decided = await _settle(ctx, vs, decide(_rule(vs), tally))
    board = board_for(ctx.services)
    ctx.after_commit(lambda: board.refresh(vote_id))
    return CastResult(vote=await vote_view(ctx.session, vs), counted=True, changed=changed, decided=decided)


def _refused(ctx: OperationContext, vote_id: int, voter: str | None, reason: str, rule: str) -> PolicyDenied:
    denied = PolicyDenied("cast_vote", ctx.actor.role.value, f"{reason} (policy cast_vote.{rule})",
                          rule=f"cast_vote.{rule}")
    denied.details.update(vote_id=vote_id, voter=voter)
    return denied


async def close_expired_votes(ctx: OperationContext) -> list[int]:
    """Close every open vote past its deadline as its rule says (approved, or expired = no)."""
    ctx.check_policy("open_vote")
    stmt = select(VoteSession.id).where(VoteSession.status == VoteStatus.OPEN.value,
                                        VoteSession.deadline_at <= utcnow()).order_by(VoteSession.id)
    closed = []
    board = board_for(ctx.services)
    for vote_id in list((await ctx.session.execute(stmt)).scalars()):
        vs = await _lock(ctx.session, vote_id)
        if vs.status != VoteStatus.OPEN.value:
            continue
        tally = await _tally(ctx.session, vs)
        if await _settle(ctx, vs, decide_at_deadline(_rule(vs), tally)):
            closed.append(vote_id)
            ctx.after_commit(partial(board.refresh, vote_id))
    return closed


async def get_vote(ctx: OperationContext, vote_id: int) -> VoteView:
    ctx.check_policy("view_votes")
    vs = await ctx.session.get(VoteSession, vote_id)
    if vs is None:
        raise VoteNotFound(vote_id)
    return await vote_view(ctx.session, vs)


async def record_vote_message(services: Services, vote_id: int, channel: str, ts: str) -> None:
    """Remember where the vote is shown (set once by the board after posting)."""
    async with services.session_factory() as session:
        await session.execute(update(VoteSession).where(VoteSession.id == vote_id, VoteSession.slack_ts.is_(None))
                              .values(slack_channel=channel, slack_ts=ts))
        await session.commit()


def _rule(vs: VoteSession) -> Rule:
    return Rule(quorum=vs.quorum, approve_share=Decimal(vs.approve_share), admin_veto=vs.admin_veto)


async def _lock(session: AsyncSession, vote_id: int) -> VoteSession:
    vs: VoteSession | None = await fetch_by_id(session, VoteSession, vote_id, lock=True)
    if vs is None:
        raise VoteNotFound(vote_id)
    return vs


async def _insert_vote(session: AsyncSession, session_id: int, voter: str, name: str, choice: Choice,
                       comment: str | None) -> bool:
    return await insert_ignore(session, Vote, {
        "session_id": session_id, "voter": voter, "voter_name": name[:200], "choice": choice.value,
        "comment": comment, "cast_at": utcnow()}, ["session_id", "voter"]) is not None


async def _tally(session: AsyncSession, vs: VoteSession, *, vetoed: bool = False) -> Tally:
    rows = await session.execute(select(Vote.choice, func.count()).where(Vote.session_id == vs.id)
                                 .group_by(Vote.choice))
    counts = {choice: n for choice, n in rows.all()}
    return Tally(approve=counts.get(Choice.APPROVE.value, 0), reject=counts.get(Choice.REJECT.value, 0),
                 eligible=len(vs.approvers), vetoed=vetoed)


async def _settle(ctx: OperationContext, vs: VoteSession, decision: tuple[VoteStatus, str] | None) -> str | None:
    """Write the decision if the session is still open; returns it when this call made it."""
    if decision is None:
        return None
    status, reason = decision
    now = utcnow()
    result = await ctx.session.execute(
        update(VoteSession).where(VoteSession.id == vs.id, VoteSession.status == VoteStatus.OPEN.value)
        .values(status=status.value, decided_at=now, decision_reason=reason, updated_at=now)
        .execution_options(synchronize_session=False))
    if getattr(result, "rowcount", 0) != 1:
        return None
    await ctx.session.refresh(vs)
    ctx.audit("vote.decided", f"vote:{vs.id}", decision=status.value, reason=reason,
              approve=vs.approve_count, reject=vs.reject_count, on=f"{vs.subject_type}:{vs.subject_id}")
    ctx.emit("vote.decided", vote_id=vs.id, decision=status.value, reason=reason,
             subject_type=vs.subject_type, subject_id=vs.subject_id)
    board = board_for(ctx.services)
    vote_id = vs.id
    word = {"approved": "approved", "rejected": "rejected", "expired": "closed without approval"}[status.value]
    ctx.after_commit(lambda: board.announce(vote_id, f"Vote #{vote_id} {word}: {reason}.", f"vote:{vote_id}:decided"))
    if ctx.services.vote_decided is not None:  # what the decision sets in motion (delivery, wired at start-up)
        await ctx.services.vote_decided(ctx, vs)
    return status.value

