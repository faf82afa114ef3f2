"""Figures: the pipeline at a glance and revenue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tools.base import ToolSpec, run_operation

if TYPE_CHECKING:
    from pydantic_ai import RunContext

    from tools.deps import AgentDeps


async def pipeline_metrics(ctx: RunContext[AgentDeps]) -> dict[str, Any]:
    """The pipeline at a glance: leads and value per stage, conversion rates, win rate and stuck leads."""
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.pipeline.metrics import get_pipeline_metrics

    return await run_operation(ctx.deps, get_pipeline_metrics)


async def revenue_stats(ctx: RunContext[AgentDeps], period: str = "all") -> dict[str, Any]:
    """Revenue: invoiced, paid and outstanding totals, paid revenue by lead source and by month.

    Args:
        period: month, quarter, year or all.
    """
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.pipeline.metrics import get_revenue_stats

    return await run_operation(ctx.deps, lambda octx: get_revenue_stats(octx, period))


TOOLS = [
    ToolSpec(pipeline_metrics, action="get_pipeline_metrics"),
    ToolSpec(revenue_stats, action="get_revenue_stats"),
]
