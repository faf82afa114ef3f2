"""When the agent has the lifecycle's tools, the demo's team members get things done by talking to it."""

from io import StringIO
from pathlib import Path
from typing import Any

from pydantic_ai import RunContext
from rich.console import Console

from bot.devtools.demo import run_demo
from engine.billing.invoices import collect_payment as collect_payment_op
from engine.delivery.deliver import deliver_project as deliver_project_op
from engine.proposals.service import generate_proposal as generate_proposal_op
from engine.satisfaction.surveys import send_nps_survey as send_nps_survey_op
from engine.scoring.operations import qualify_lead as qualify_lead_op
from tools import metrics, pipeline
from tools.agent import GraceAgent
from tools.base import ToolSpec, run_operation
from tools.deps import AgentDeps


class LifecycleTools:
    """Minimal tools over the engine operations, named like the offline model's intents."""

    @staticmethod
    async def qualify_lead(ctx: RunContext[AgentDeps], lead_id: int) -> dict[str, Any]:
        """Score and qualify a lead.

        Args:
            lead_id: The lead's number.
        """
        return await run_operation(ctx.deps, lambda o: qualify_lead_op(o, lead_id))

    @staticmethod
    async def generate_proposal(ctx: RunContext[AgentDeps], lead_id: int) -> dict[str, Any]:
        """Write a proposal for a lead.

        Args:
            lead_id: The lead's number.
        """
        return await run_operation(ctx.deps, lambda o: generate_proposal_op(o, lead_id))

    @staticmethod
    async def deliver_project(ctx: RunContext[AgentDeps], project_id: int) -> dict[str, Any]:
        """Deliver a project.

        Args:
            project_id: The project's number.
        """
        return await run_operation(ctx.deps, lambda o: deliver_project_op(o, project_id))

    @staticmethod
    async def collect_payment(ctx: RunContext[AgentDeps], project_id: int) -> dict[str, Any]:
        """Invoice a project.

        Args:
            project_id: The project's number.
        """
        return await run_operation(ctx.deps, lambda o: collect_payment_op(o, project_id))

    @staticmethod
    async def send_nps_survey(ctx: RunContext[AgentDeps], project_id: int) -> dict[str, Any]:
        """Send the NPS survey of a delivered project.

        Args:
            project_id: The project's number.
        """
        return await run_operation(ctx.deps, lambda o: send_nps_survey_op(o, project_id))

    TOOLS = [ToolSpec(qualify_lead, "qualify_lead"), ToolSpec(generate_proposal, "generate_proposal"),
             ToolSpec(deliver_project, "deliver_project", confirm=True),
             ToolSpec(collect_payment, "collect_payment", confirm=True),
             ToolSpec(send_nps_survey, "send_nps_survey", confirm=True)]


async def test_demo_goes_through_the_agent_when_it_has_the_tools(tmp_path: Path):
    def give_tools(services):
        services.agent = GraceAgent(services.settings, modules=(pipeline, metrics, LifecycleTools))

    out = StringIO()
    outcome = await run_demo(tmp_path, out=Console(file=out, width=200), prepare=give_tools)
    text = out.getvalue()
    assert "has no" not in text and "instead" not in text  # no fallback to the engine was needed
    assert "Deliver project #1? This starts the build" in text  # the confirmation, answered yes
    assert "Invoice project #1?" in text
    assert outcome.invoice_id and outcome.survey_id and outcome.vote_id
