"""`capture_lead`: a lead comes in (any source): screened by Hunter, written with its client."""

from __future__ import annotations

from typing import Any

from engine.context import OperationContext
from engine.errors import InvalidInput
from engine.pipeline.moves import milestone_dates
from engine.pipeline.repository import insert_capture
from engine.pipeline.schemas import CaptureResult, LeadInput
from engine.pipeline.screening import screen_lead
from engine.pipeline.stages import RANK, Stage
from storage.types import utcnow


async def capture_lead(ctx: OperationContext, data: LeadInput, *, initial_stage: Stage = Stage.LEAD) -> CaptureResult:
    """Create the client if new, then the lead and an interaction; audited; `lead.captured`."""
    ctx.check_policy("capture_lead")
    _check_text_limits(ctx, data)
    data, hunted = await screen_lead(ctx, data)
    currency = data.currency or ctx.settings.currency
    now = utcnow()
    stage = initial_stage.value
    # Capture is the hottest write path (see bench/capture.py): Core statements built once.
    lead_values: dict[str, Any] = {
        "source": data.source.value, "stage": stage, "furthest_rank": RANK.get(stage, 0),
        "requirements": data.requirements, "budget": data.budget, "currency": currency,
        "budget_range": data.budget_range, "timeline": data.timeline, "project_type": data.project_type,
        "notes": data.notes, "referrer": data.referrer, "metadata": {**data.metadata, **hunted},
        "value_estimate": data.budget, "qualified_at": None, "converted_at": None,
        "last_contact_at": now, "created_at": now, "updated_at": now, "stage_changed_at": now,
    }
    lead_values.update(milestone_dates(None, initial_stage, now))
    history_values: dict[str, Any] = {"from_stage": None, "to_stage": stage, "actor": ctx.actor.label,
                                      "reason": f"captured from {data.source.value}", "at": now}
    interaction_values: dict[str, Any] = {
        "kind": "capture", "channel": data.source.value, "actor": ctx.actor.label, "occurred_at": now,
        "summary": (data.requirements or data.notes or "")[:500] or None, "metadata": {},
        "automated": ctx.actor.kind == "system", "grace_generated": False}
    client, created, lead_id = await insert_capture(ctx.session, ctx.services.dialect, data, currency, now,
                                                   lead_values, history_values, interaction_values)
    ctx.audit("lead.captured", f"lead:{lead_id}", client_id=client.id, source=data.source.value,
              created_client=created, budget=data.budget)
    ctx.emit("lead.captured", lead_id=lead_id, client_id=client.id, source=data.source.value,
             stage=stage, name=client.name, company=client.company, budget=data.budget)
    return CaptureResult(client_id=client.id, lead_id=lead_id, stage=stage, created_client=created)


def _check_text_limits(ctx: OperationContext, data: LeadInput) -> None:
    limit = ctx.settings.max_text_length
    for field in ("requirements", "notes"):
        v = getattr(data, field)
        if v and len(v) > limit:
            raise InvalidInput(f"{field} is longer than {limit} characters", field=field)
