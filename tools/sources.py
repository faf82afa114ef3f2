"""Lead sources the team pastes in: an Upwork job post."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tools.base import ToolSpec, run_operation
from tools.pipeline import card_of

if TYPE_CHECKING:
    from pydantic_ai import RunContext

    from engine.context import OperationContext
    from tools.deps import AgentDeps


async def capture_upwork_post(ctx: RunContext[AgentDeps], text: str) -> dict[str, Any]:
    """Record a lead (source upwork) from an Upwork job post pasted by the speaker: its title, description,
    budget, skills and the client's country are read from the text. The same post twice gives the same lead.

    Args:
        text: The job post exactly as pasted (or its Upwork URL).
    """
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.sources.upwork import capture_upwork_post as capture_op

    async def op(octx: OperationContext) -> dict[str, Any]:
        result = await capture_op(octx, text)
        card = await card_of(octx, result.lead_id)
        return {**card, **result.model_dump(mode="json")}

    return await run_operation(ctx.deps, op)


TOOLS = [ToolSpec(capture_upwork_post, action="capture_lead")]
