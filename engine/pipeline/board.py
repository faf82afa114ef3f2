"""The pipeline as a board: the newest cards of each stage, with age and the stuck ones marked."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import func, select

from engine.context import OperationContext
from engine.pipeline.schemas import DecimalStr
from engine.pipeline.stages import OPEN, ORDER, Stage
from storage.models import AuditEntry, Client, Lead, NpsSurvey, VoteSession
from storage.types import utcnow


class Card(BaseModel):
    lead_id: int
    name: str
    company: str | None
    source: str
    stage: str
    score: float | None
    value: DecimalStr | None
    currency: str
    age_days: int
    days_in_stage: int
    stuck: bool
    client_id: int | None = None
    owner: str | None = None


class Column(BaseModel):
    stage: str
    count: int
    cards: list[Card]


class Board(BaseModel):
    columns: list[Column]
    stuck_days: int


def card_of(lead: Lead, client: Client, stuck_days: int) -> Card:
    now = utcnow()
    in_stage = (now - lead.stage_changed_at).days
    return Card(lead_id=lead.id, name=client.name, company=client.company, source=lead.source, stage=lead.stage,
                score=lead.score, value=lead.value_estimate if lead.value_estimate is not None else lead.budget,
                currency=lead.currency, client_id=client.id, owner=(lead.metadata_ or {}).get("owner"), age_days=(now - lead.created_at).days,
                days_in_stage=in_stage, stuck=lead.stage in {s.value for s in OPEN} and in_stage >= stuck_days)


async def get_board(ctx: OperationContext, per_column: int = 30) -> Board:
    ctx.check_policy("view_leads")
    counts = dict((await ctx.session.execute(select(Lead.stage, func.count()).group_by(Lead.stage))).all())
    columns = []
    for stage in [*ORDER, Stage.LOST]:
        rows = (await ctx.session.execute(
            select(Lead, Client).join(Client, Lead.client_id == Client.id).where(Lead.stage == stage.value)
            .order_by(Lead.stage_changed_at.desc()).limit(per_column))).all()
        columns.append(Column(stage=stage.value, count=int(counts.get(stage.value, 0)),
                              cards=[card_of(lead, client, ctx.settings.stuck_days) for lead, client in rows]))
    return Board(columns=columns, stuck_days=ctx.settings.stuck_days)


async def get_card(ctx: OperationContext, lead_id: int) -> Card | None:
    ctx.check_policy("view_leads")
    row = (await ctx.session.execute(
        select(Lead, Client).join(Client, Lead.client_id == Client.id).where(Lead.id == lead_id))).first()
    return card_of(row[0], row[1], ctx.settings.stuck_days) if row else None


class AuditRow(BaseModel):
    seq: int
    at: str
    actor: str
    action: str
    subject: str | None


async def recent_audit(ctx: OperationContext, limit: int = 30) -> list[AuditRow]:
    ctx.check_policy("verify")
    rows = (await ctx.session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit))).scalars()
    return [AuditRow(seq=r.seq, at=r.at.strftime("%Y-%m-%d %H:%M:%S"), actor=r.actor, action=r.action,
                     subject=r.subject) for r in rows]


__all__ = ["get_board", "get_card", "recent_audit", "Decimal", "timedelta"]


class OpenVote(BaseModel):
    id: int
    subject: str
    approve: int
    reject: int
    quorum: int
    deadline: str


async def open_votes(ctx: OperationContext, limit: int = 20) -> list[OpenVote]:
    """Parliament sessions still waiting for votes."""
    ctx.check_policy("view_leads")
    rows = (await ctx.session.execute(select(VoteSession).where(VoteSession.status == "open")
                                      .order_by(VoteSession.deadline_at).limit(limit))).scalars().all()
    return [OpenVote(id=v.id, subject=v.title, approve=v.approve_count, reject=v.reject_count, quorum=v.quorum,
                     deadline=v.deadline_at.strftime("%Y-%m-%d %H:%M UTC")) for v in rows]


async def nps_by_month(ctx: OperationContext, months: int = 12) -> list[tuple[str, float]]:
    """The agency's NPS (% promoters - % detractors) for each month with answers."""
    ctx.check_policy("view_leads")
    since = utcnow() - timedelta(days=31 * months)
    rows = (await ctx.session.execute(select(NpsSurvey.answered_at, NpsSurvey.score).where(
        NpsSurvey.status == "answered", NpsSurvey.answered_at >= since, NpsSurvey.score.is_not(None)))).all()
    per: dict[str, list[int]] = defaultdict(list)
    for at, score in rows:
        if at is not None and score is not None:
            per[at.strftime("%Y-%m")].append(int(score))
    return [(m, round((sum(s >= 9 for s in v) - sum(s <= 6 for s in v)) * 100 / len(v), 1))
            for m, v in sorted(per.items())]
