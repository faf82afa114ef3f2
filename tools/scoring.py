"""Scoring tools: qualify a lead, predict whether it closes, suggest the next step."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tools.base import ToolSpec, run_operation
from tools.pipeline import card_of

if TYPE_CHECKING:
    from pydantic_ai import RunContext

    from engine.context import OperationContext
    from tools.deps import AgentDeps


TOP_FACTORS = 3


def _top(factors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The factors that moved the score most, either way."""
    return sorted(factors, key=lambda f: abs(f.get("points") or 0), reverse=True)[:TOP_FACTORS]


async def qualify_lead(ctx: RunContext[AgentDeps], lead_id: int) -> dict[str, Any]:
    """Score a lead from 0 to 100 and explain the score; above the threshold a new lead becomes QUALIFIED.

    Returns the lead's card with its score, close probability, stage, recommendation and the factors
    that weighed most.

    Args:
        lead_id: The lead's number, e.g. 12 for "lead #12".
    """
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.scoring.operations import qualify_lead as qualify_op

    async def op(octx: OperationContext) -> dict[str, Any]:
        result = (await qualify_op(octx, lead_id)).model_dump(mode="json")
        card = await card_of(octx, lead_id)
        return {**card, **result, "top_factors": _top(result["factors"])}

    return await run_operation(ctx.deps, op)


async def predict_close(ctx: RunContext[AgentDeps], lead_id: int) -> dict[str, Any]:
    """Predict whether a lead will close: the probability, the expected days to close and date,
    how confident the prediction is, and the factors behind it.

    Args:
        lead_id: The lead's number, e.g. 12 for "lead #12".
    """
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.scoring.operations import predict_close_rate

    async def op(octx: OperationContext) -> dict[str, Any]:
        result = (await predict_close_rate(octx, lead_id)).model_dump(mode="json")
        return {**result, "top_factors": _top(result["factors"])}

    return await run_operation(ctx.deps, op)


async def suggest_next_action(ctx: RunContext[AgentDeps], lead_id: int) -> dict[str, Any]:
    """Suggest the concrete next step for a lead (e.g. "Send the proposal") with a due date and the
    reason; it is saved as the lead's next action.

    Args:
        lead_id: The lead's number, e.g. 12 for "lead #12".
    """
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.scoring.operations import suggest_next_action as suggest_op

    return await run_operation(ctx.deps, lambda octx: suggest_op(octx, lead_id))


TOOLS = [
    ToolSpec(qualify_lead, action="qualify_lead"),
    ToolSpec(predict_close, action="predict_close_rate"),
    ToolSpec(suggest_next_action, action="suggest_next_action"),
]
