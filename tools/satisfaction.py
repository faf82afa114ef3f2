"""Satisfaction tools: send a delivered project's NPS survey, and see how happy its client is."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tools.base import ToolSpec, client_text, run_operation

if TYPE_CHECKING:
    from pydantic_ai import RunContext

    from engine.context import OperationContext
    from tools.deps import AgentDeps


async def send_nps_survey(ctx: RunContext[AgentDeps], project_id: int) -> dict[str, Any]:
    """Send the client of a delivered project its NPS survey link (needs the speaker's confirmation):
    by e-mail when mail is set up, and in the project's Slack thread.

    Args:
        project_id: The project's number, e.g. 7 for "project #7".
    """
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.satisfaction.surveys import send_nps_survey as send_op

    return await run_operation(ctx.deps, lambda octx: send_op(octx, project_id))


async def get_satisfaction(ctx: RunContext[AgentDeps], project_id: int) -> dict[str, Any]:
    """How happy a project's client is: the NPS score and category, the comment's sentiment, the client's
    earlier answers, the agency's NPS and what to do next.

    Args:
        project_id: The project's number, e.g. 7 for "project #7".
    """
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.satisfaction.nps import track_client_satisfaction

    async def op(octx: OperationContext) -> dict[str, Any]:
        report = (await track_client_satisfaction(octx, project_id)).model_dump(mode="json")
        # The comments are the client's words: Hunter sees them before any model does.
        client_text(report, "comment")
        for answer in report["client_history"]:
            client_text(answer, "comment")
        return report

    return await run_operation(ctx.deps, op)


TOOLS = [
    ToolSpec(send_nps_survey, action="send_nps_survey", confirm=True),
    ToolSpec(get_satisfaction, action="track_client_satisfaction"),
]
