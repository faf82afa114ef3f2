"""Stage moves: the checked move of a lead along the allowed moves, and the write of any move."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update

from engine.actors import Role
from engine.context import OperationContext
from engine.errors import IllegalStageMove, InvalidInput, PolicyDenied
from engine.pipeline.leads import load_lead, mark_stored
from engine.pipeline.overrides import record_override
from engine.pipeline.repository import lead_params, move_statements, write
from engine.pipeline.schemas import StageMoveInput, StageMoveResult
from engine.pipeline.stages import ALLOWED_MOVES, FACT_STAGES, RANK, WON, Stage, allowed_moves, parse_stage
from storage.models import Client, Lead
from storage.types import utcnow


async def set_stage(ctx: OperationContext, lead: Lead, to: Stage, reason: str | None,
                    *, also: dict[str, Any] | None = None) -> StageMoveResult:
    """Apply a move that the caller has already checked; writes history, audit and event.

    `also`: more of the lead's columns to write in the same UPDATE (qualify_lead's score).
    Core statements built once per shape (one statement on PostgreSQL: the lead's UPDATE, the
    previous stage's `left_at` and the new history row as data-modifying CTEs); the loaded lead
    is then told the stored values."""
    frm = lead.stage
    now = utcnow()
    values: dict[str, Any] = {**(also or {}), "stage": to.value, "stage_changed_at": now, "updated_at": now}
    if to.value in RANK:
        values["furthest_rank"] = max(lead.furthest_rank or 0, RANK[to.value])
    if to == Stage.LOST:
        values.update(lost_reason=reason, closed_at=now, lost_at=now)
    elif to.value in WON and lead.closed_at is None:
        values["closed_at"] = now
    elif to == Stage.LEAD:
        values.update(closed_at=None, lost_reason=None, lost_at=None)
    values.update(milestone_dates(lead, to, now))
    status = client_status_after(to)
    if status is not None:
        await ctx.session.execute(
            update(Client).where(Client.id == lead.client_id, Client.status != status).values(status=status))
    history = {"from_stage": frm, "to_stage": to.value, "actor": ctx.actor.label, "reason": reason, "at": now}
    params = {**lead_params(lead.id, values), **{f"h_{k}": v for k, v in history.items()}}
    ctx.audit("lead.stage_changed", f"lead:{lead.id}", from_stage=frm, to_stage=to.value, reason=reason)
    await write(ctx, move_statements(ctx.services.dialect == "postgresql", tuple(values)), params)
    mark_stored(lead, values)
    ctx.emit("lead.stage_changed", lead_id=lead.id, from_stage=frm, to_stage=to.value)
    return StageMoveResult(lead_id=lead.id, from_stage=frm, to_stage=to.value)


def milestone_dates(lead: Lead | None, to: Stage, now: datetime) -> dict[str, Any]:
    """`qualified_at` / `converted_at` the first time the lead reaches QUALIFIED-or-later /
    CONTRACT-or-later (a skipped stage counts as reached), never moved afterwards."""
    out: dict[str, Any] = {}
    rank = RANK.get(to.value)
    if rank is None:
        return out
    if rank >= RANK[Stage.QUALIFIED.value] and (lead is None or lead.qualified_at is None):
        out["qualified_at"] = now
    if to.value in WON and (lead is None or lead.converted_at is None):
        out["converted_at"] = now
    return out


def client_status_after(to: Stage) -> str | None:
    """The client's status a move implies: under contract -> active, paid -> customer."""
    if to in (Stage.CONTRACT, Stage.ACTIVE, Stage.DELIVERED):
        return "active"
    if to == Stage.PAID:
        return "customer"
    return None


async def move_to_stage(ctx: OperationContext, lead_id: int, move: StageMoveInput) -> StageMoveResult:
    """Move a lead along the allowed moves; LOST needs a reason; leaving LOST needs an admin."""
    to = parse_stage(move.stage)
    ctx.check_policy("mark_lost" if to == Stage.LOST else "move_to_stage")
    lead = await load_lead(ctx.session, lead_id, for_update=True)
    frm = Stage(lead.stage)
    ctx.check_conditions("mark_lost" if to == Stage.LOST else "move_to_stage", {"stage": frm.value})
    if to not in ALLOWED_MOVES[frm]:
        allowed = allowed_moves(frm.value)
        hint = f"From {frm.value} a lead can move to: {', '.join(allowed)}." if allowed else \
            f"{frm.value} is a final stage."
        raise IllegalStageMove(f"Lead #{lead_id} cannot move from {frm.value} to {to.value}. {hint}",
                               field="stage", allowed=allowed)
    if to == Stage.LOST and not (move.reason and move.reason.strip()):
        raise InvalidInput("Marking a lead lost needs a reason.", field="reason")
    if frm == Stage.LOST and ctx.actor.role not in (Role.ADMIN, Role.SYSTEM):
        raise PolicyDenied("reopen_lead", ctx.actor.role.value, "Only an admin can reopen a lost lead.")
    if to in FACT_STAGES:
        record_override(ctx, "move_to_stage", f"lead:{lead_id}",
                        f"Lead #{lead_id} reaches {to.value} only through {FACT_STAGES[to]}.", move.reason,
                        rule="facts", field="reason")
    return await set_stage(ctx, lead, to, move.reason)


async def mark_lost(ctx: OperationContext, lead_id: int, reason: str) -> StageMoveResult:
    return await move_to_stage(ctx, lead_id, StageMoveInput(stage=Stage.LOST.value, reason=reason))
