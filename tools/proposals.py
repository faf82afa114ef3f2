"""Proposal tool: draft, price and send a proposal for a lead."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tools.base import ToolSpec, run_operation

if TYPE_CHECKING:
    from pydantic_ai import RunContext

    from engine.context import OperationContext
    from tools.deps import AgentDeps


async def generate_proposal(ctx: RunContext[AgentDeps], lead_id: int, budget: str | None = None,
                            requirements: str | None = None) -> dict[str, Any]:
    """Write, price and store a new version of a lead's proposal, with its project plan and milestones;
    the lead moves to PROPOSAL. Returns the deliverables, hours, price, timeline and the client's link.

    Args:
        lead_id: The lead's number, e.g. 12 for "lead #12".
        budget: The client's budget as written ("$15k", "15,000"); the lead's budget when omitted.
        requirements: What the client needs, if the speaker states it; the lead's requirements when omitted.
    """
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.proposals.service import generate_proposal as generate_op

    async def op(octx: OperationContext) -> dict[str, Any]:
        result = await generate_op(octx, lead_id, requirements=requirements, budget=budget)
        # The price's currency (the lead's may have no rate: then the proposal is in the agency's).
        return {"lead_id": lead_id, "project_id": result.project_plan.project_id, "currency": result.proposal.currency,
                **result.model_dump(mode="json")}

    return await run_operation(ctx.deps, op)


TOOLS = [ToolSpec(generate_proposal, action="generate_proposal")]
