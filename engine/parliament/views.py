"""Reading a vote: who may vote, who voted what, the decision (what boards and the API show)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from engine.context import Services
from engine.errors import VoteNotFound
from engine.parliament.rules import Choice
from engine.parliament.schemas import VoterView, VoteView
from storage.models import Vote, VoteSession


async def load_vote_view(services: Services, vote_id: int) -> VoteView:
    async with services.session_factory() as session:
        vs = await session.get(VoteSession, vote_id)
        if vs is None:
            raise VoteNotFound(vote_id)
        return await vote_view(session, vs)


async def vote_view(session: AsyncSession, vs: VoteSession) -> VoteView:
    votes = (await session.execute(select(Vote).where(Vote.session_id == vs.id).order_by(Vote.id))).scalars().all()
    return VoteView(
        id=vs.id, subject_type=vs.subject_type, subject_id=vs.subject_id, title=vs.title, status=vs.status,
        approve=sum(v.choice == Choice.APPROVE for v in votes), reject=sum(v.choice == Choice.REJECT for v in votes),
        quorum=vs.quorum, approve_share=vs.approve_share, admin_veto=vs.admin_veto, approvers=list(vs.approvers),
        voters=[VoterView(user=v.voter, name=v.voter_name, choice=v.choice, comment=v.comment, cast_at=v.cast_at)
                for v in votes],
        deadline_at=vs.deadline_at, decided_at=vs.decided_at, decision_reason=vs.decision_reason,
        summary=(vs.metadata_ or {}).get("summary", {}), slack_channel=vs.slack_channel, slack_ts=vs.slack_ts,
    )
