"""Delivery tool: start delivering a project (a Parliament vote first when its price is high)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tools.base import ToolSpec, run_operation

if TYPE_CHECKING:
    from pydantic_ai import RunContext

    from tools.deps import AgentDeps


async def deliver_project(ctx: RunContext[AgentDeps], project_id: int) -> dict[str, Any]:
    """Start delivering a project: the build runs and the client is told (needs the speaker's confirmation).
    Over the approval threshold a Parliament vote is opened first and the answer is "awaiting_approval".

    Args:
        project_id: The project's number, e.g. 7 for "project #7".
    """
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.delivery.deliver import deliver_project as deliver_op

    return await run_operation(ctx.deps, lambda octx: deliver_op(octx, project_id))


TOOLS = [ToolSpec(deliver_project, action="deliver_project", confirm=True)]
