"""Pipeline tools: capture a lead, move it, mark it lost, find leads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from engine.errors import InvalidInput
from tools.base import ToolSpec, client_text, error_result, run_operation

if TYPE_CHECKING:
    from pydantic_ai import RunContext

    from engine.context import OperationContext
    from tools.deps import AgentDeps


def lead_card(view: Any) -> dict[str, Any]:
    """A lead as tools answer it: `lead_id`, no internals, the client's requirements screened by Hunter."""
    data = view.model_dump(mode="json")
    data["lead_id"] = data.pop("id")
    for k in ("metadata", "created_at", "stage_changed_at", "next_action_date", "client_id"):
        data.pop(k, None)
    return client_text(data, "requirements")


async def capture_lead(
    ctx: RunContext[AgentDeps], name: str, email: str, company: str | None = None, industry: str | None = None,
    source: str = "slack", budget: str | None = None, requirements: str | None = None,
    timeline: str | None = None, project_type: str | None = None, country: str | None = None,
) -> dict[str, Any]:
    """Record a new lead (a prospective client) in the pipeline, creating the client if the e-mail is new.

    Args:
        name: The contact's full name, e.g. "Ada Lovelace".
        email: The contact's e-mail address.
        company: The contact's company, if known.
        industry: The client's industry, e.g. "fintech".
        source: Where the lead came from: one of slack, website, referral, linkedin, upwork, cold_email, import, api.
        budget: The budget as written, e.g. "$12k", "12,000" or "USD 12000".
        requirements: What the client wants built, in their words.
        timeline: When they need it, e.g. "in 2 months".
        project_type: The kind of project, e.g. "chatbot", "website", "mobile app".
        country: The client's country.
    """
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.pipeline.capture import capture_lead as capture_op
    from engine.pipeline.schemas import LeadInput, LeadSource

    try:
        data = LeadInput(name=name, email=email, company=company, industry=industry, source=source,  # type: ignore[arg-type]
                         budget=budget, requirements=requirements, timeline=timeline, project_type=project_type,
                         country=country)
    except ValidationError as e:
        err = e.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "input"
        sources = ", ".join(s.value for s in LeadSource)
        msg = f"{field}: {err['msg']}" + (f" (sources are {sources})" if field == "source" else "")
        return error_result(InvalidInput(msg, field=field))

    async def op(octx: OperationContext) -> dict[str, Any]:
        result = await capture_op(octx, data)
        card = await card_of(octx, result.lead_id)
        card["created_client"] = result.created_client
        return card

    return await run_operation(ctx.deps, op)


async def move_lead_stage(ctx: RunContext[AgentDeps], lead_id: int, stage: str) -> dict[str, Any]:
    """Move a lead to another pipeline stage.

    Args:
        lead_id: The lead's number, e.g. 12 for "lead #12".
        stage: The target stage: LEAD, QUALIFIED, PROPOSAL, NEGOTIATION, CONTRACT, ACTIVE, DELIVERED, PAID or REPEAT.
    """
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.pipeline.moves import move_to_stage
    from engine.pipeline.schemas import StageMoveInput

    try:
        move = StageMoveInput(stage=stage)
    except ValidationError:
        return error_result(InvalidInput("Say which stage, e.g. QUALIFIED.", field="stage"))

    async def op(octx: OperationContext) -> dict[str, Any]:
        result = await move_to_stage(octx, lead_id, move)
        return {**result.model_dump(mode="json"), **(await card_of(octx, lead_id))}

    return await run_operation(ctx.deps, op)


async def mark_lead_lost(ctx: RunContext[AgentDeps], lead_id: int, reason: str) -> dict[str, Any]:
    """Mark a lead as lost (needs the speaker's confirmation).

    Args:
        lead_id: The lead's number.
        reason: Why it was lost, e.g. "went with another agency".
    """
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.pipeline.moves import mark_lost

    async def op(octx: OperationContext) -> dict[str, Any]:
        result = await mark_lost(octx, lead_id, reason)
        return {**result.model_dump(mode="json"), **(await card_of(octx, lead_id))}

    return await run_operation(ctx.deps, op)


async def show_lead(ctx: RunContext[AgentDeps], lead_id: int) -> dict[str, Any]:
    """Show one lead: client, company, stage, score, budget, source and requirements.

    Args:
        lead_id: The lead's number.
    """
    return await run_operation(ctx.deps, lambda octx: card_of(octx, lead_id))


async def card_of(octx: OperationContext, lead_id: int) -> dict[str, Any]:
    """A lead's card (`lead_card`) by its id."""
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.pipeline.leads import get_lead

    return lead_card(await get_lead(octx, lead_id))


async def find_leads(ctx: RunContext[AgentDeps], stage: str | None = None, source: str | None = None,
                     query: str | None = None) -> dict[str, Any]:
    """Find leads by stage, source and/or a text found in the name, e-mail, company or requirements.

    Args:
        stage: Only leads in this stage, e.g. PROPOSAL.
        source: Only leads from this source, e.g. linkedin.
        query: Text to look for, e.g. a name or a company.
    """
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.pipeline.leads import find_leads as find_op

    async def op(octx: OperationContext) -> dict[str, Any]:
        page = await find_op(octx, stage=stage, source=source, query=query, limit=10)
        return {"total": page.total, "items": [lead_card(v) for v in page.items]}

    return await run_operation(ctx.deps, op)


TOOLS = [
    ToolSpec(capture_lead, action="capture_lead"),
    ToolSpec(move_lead_stage, action="move_to_stage"),
    ToolSpec(mark_lead_lost, action="mark_lost", confirm=True),
    ToolSpec(show_lead, action="view_leads"),
    ToolSpec(find_leads, action="view_leads"),
]
