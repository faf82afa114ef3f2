"""A client's timeline: every interaction, stage move, proposal, invoice and survey, in time order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, func, select, union_all

from engine.context import OperationContext
from engine.crm.schemas import Timeline, TimelineEntry
from engine.errors import ClientNotFound
from storage.models import Client, Interaction, Invoice, Lead, LeadStageHistory, NpsSurvey, Proposal

MAX_LIMIT = 500


async def client_timeline(ctx: OperationContext, client_id: int, *, limit: int = 100, offset: int = 0,
                          newest_first: bool = False) -> Timeline:
    """The client's history in time order (oldest first unless `newest_first`), a page at a time."""
    ctx.check_policy("view_timeline")
    if await ctx.session.get(Client, client_id) is None:
        raise ClientNotFound(client_id)
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    leads = select(Lead.id).where(Lead.client_id == client_id)
    # (time column, query, row -> entry) per kind of event; each query ordered and cut at offset+limit,
    # so the merged page is exact without loading the whole history.
    sources: list[tuple[Any, Select[Any], Callable[[Any], TimelineEntry]]] = [
        (Interaction.occurred_at, select(Interaction).where(Interaction.client_id == client_id), _interaction),
        (LeadStageHistory.at, select(LeadStageHistory).where(LeadStageHistory.lead_id.in_(leads)), _stage),
        (Proposal.created_at, select(Proposal).where(Proposal.client_id == client_id), _proposal_sent),
        (Proposal.accepted_at, select(Proposal).where(Proposal.client_id == client_id,
                                                      Proposal.accepted_at.is_not(None)), _proposal_accepted),
        (Invoice.issued_at, select(Invoice).where(Invoice.client_id == client_id), _invoice_issued),
        (Invoice.paid_at, select(Invoice).where(Invoice.client_id == client_id, Invoice.paid_at.is_not(None)),
         _invoice_paid),
        (NpsSurvey.sent_at, select(NpsSurvey).where(NpsSurvey.client_id == client_id,
                                                    NpsSurvey.sent_at.is_not(None)), _survey_sent),
        (NpsSurvey.answered_at, select(NpsSurvey).where(NpsSurvey.client_id == client_id,
                                                        NpsSurvey.answered_at.is_not(None)), _survey_answered),
    ]
    counts = union_all(*[select(func.count()).select_from(q.subquery()) for _, q, _ in sources]).subquery()
    total = int((await ctx.session.execute(select(func.coalesce(func.sum(counts.c[0]), 0)))).scalar_one())
    entries: list[TimelineEntry] = []
    for at, query, build in sources:
        order = at.desc() if newest_first else at.asc()
        rows = (await ctx.session.execute(query.order_by(order).limit(offset + limit))).scalars().all()
        entries.extend(build(r) for r in rows)
    entries.sort(key=lambda e: (e.at, e.ref), reverse=newest_first)
    return Timeline(client_id=client_id, items=entries[offset:offset + limit], total=total, limit=limit,
                    offset=offset)


def _interaction(i: Interaction) -> TimelineEntry:
    trail = {"automated": i.automated, "grace_generated": i.grace_generated, "human_approved": i.human_approved,
             "approved_by": i.approved_by}
    return TimelineEntry(at=i.occurred_at, type="interaction", what=f"{i.kind}: {(i.summary or '')[:300]}".strip(),
                         lead_id=i.lead_id, project_id=i.project_id, ref=f"interaction:{i.id}", actor=i.actor,
                         details={"kind": i.kind, "channel": i.channel, "sentiment": i.sentiment, **trail})


def _stage(h: LeadStageHistory) -> TimelineEntry:
    move = f"{h.from_stage} → {h.to_stage}" if h.from_stage else f"created in {h.to_stage}"
    return TimelineEntry(at=h.at, type="stage", what=f"Lead #{h.lead_id}: {move}" + (f" ({h.reason})" if h.reason else ""),
                         lead_id=h.lead_id, ref=f"stage:{h.id}", actor=h.actor,
                         details={"from_stage": h.from_stage, "to_stage": h.to_stage})


def _proposal_sent(p: Proposal) -> TimelineEntry:
    return TimelineEntry(at=p.created_at, type="proposal", what=f"Proposal v{p.version} “{p.title}”: {p.currency} "
                         f"{p.price:,.2f}", lead_id=p.lead_id, project_id=p.project_id, ref=f"proposal:{p.id}",
                         actor=p.created_by, details={"status": p.status, "fits_budget": p.fits_budget,
                                                      "price": str(p.price), "currency": p.currency})


def _proposal_accepted(p: Proposal) -> TimelineEntry:
    assert p.accepted_at is not None
    return TimelineEntry(at=p.accepted_at, type="proposal", what=f"Proposal v{p.version} accepted by {p.accepted_by}",
                         lead_id=p.lead_id, project_id=p.project_id, ref=f"proposal:{p.id}:accepted",
                         actor=p.accepted_by, details={"status": "accepted"})


def _invoice_issued(i: Invoice) -> TimelineEntry:
    return TimelineEntry(at=i.issued_at, type="invoice", what=f"Invoice {i.invoice_number} issued: {i.currency} "
                         f"{i.amount:,.2f}", project_id=i.project_id, ref=f"invoice:{i.id}",
                         details={"status": i.status, "amount": str(i.amount), "currency": i.currency})


def _invoice_paid(i: Invoice) -> TimelineEntry:
    assert i.paid_at is not None
    return TimelineEntry(at=i.paid_at, type="invoice", what=f"Invoice {i.invoice_number} paid: {i.currency} "
                         f"{i.amount:,.2f}", project_id=i.project_id, ref=f"invoice:{i.id}:paid",
                         details={"transaction_id": i.transaction_id})


def _survey_sent(s: NpsSurvey) -> TimelineEntry:
    assert s.sent_at is not None
    return TimelineEntry(at=s.sent_at, type="survey", what=f"NPS survey #{s.id} sent", project_id=s.project_id,
                         ref=f"survey:{s.id}", details={"status": s.status})


def _survey_answered(s: NpsSurvey) -> TimelineEntry:
    assert s.answered_at is not None
    return TimelineEntry(at=s.answered_at, type="survey", what=f"NPS {s.score}/10 ({s.category})"
                         + (f": {s.comment[:300]}" if s.comment else ""), project_id=s.project_id,
                         ref=f"survey:{s.id}:answered", details={"score": s.score, "sentiment": s.sentiment})
