"""The one agent: tools from each domain module, the configured model, instructions.

To add a domain's tools, write `tools/<domain>.py` with functions and a `TOOLS`
list of `ToolSpec`s (see `tools/base.py`), and add the module to `TOOL_MODULES`.
The offline model knows every planned tool (`tools/offline/rules.py`, and the corpus it is
trained from in tests/data/agent/) and says "not available yet" until it is registered.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any

from pydantic_ai import Agent, DeferredToolRequests, DeferredToolResults, RunContext
from pydantic_ai.agent import AgentRunResult
from pydantic_ai.messages import ModelMessage
from pydantic_ai.models import Model

from engine.config import Settings
from tools import billing, crm, delivery, fx, metrics, pipeline, proposals, satisfaction, scoring, sources
from tools.base import ToolSpec, build_recorder, build_tool
from tools.deps import AgentDeps
from tools.llm import openai_compat_model
from tools.offline.model import offline_model

# The tool modules the agent is built from, one per domain.
TOOL_MODULES: tuple[ModuleType, ...] = (pipeline, sources, scoring, proposals, delivery, billing, satisfaction,
                                         metrics, crm, fx)

INSTRUCTIONS = """\
You are Grace, the assistant of a small consulting agency, talking to a team member in Slack or a terminal.
Turn what they ask into calls of your tools; never invent ids, amounts or results: report what the tools return.
A lead or project mentioned earlier in the conversation may be referred to as "it".
If you cannot tell which lead, stage or amount is meant, say what you understood and ask, with an example.
Prices, votes and permissions are decided by the tools, never by you. Answer in one or two short sentences."""

OutputT = str | DeferredToolRequests


def tool_specs(modules: Sequence[ModuleType] = TOOL_MODULES) -> list[ToolSpec]:
    specs = [spec for module in modules for spec in module.TOOLS]
    names = [s.name for s in specs]
    if len(names) != len(set(names)):
        raise ValueError(f"duplicate tool names: {names}")
    return specs


def configured_model(settings: Settings) -> Model | str | None:
    """None for the offline model (built per run, for the speaker's role); else the configured one.

    With GRACE_OPENAI_BASE_URL, `openai-compat:NAME` (or `openai:NAME`, `openai-chat:NAME`) is NAME on that
    server through pydantic-ai's OpenAI chat-completions client, with the configured key, timeout and retries.
    """
    name = settings.model.strip()
    if name in ("", "offline"):
        return None
    provider_name, _, model_name = name.partition(":")
    if provider_name in ("openai", "openai-chat", "openai-compat") and model_name and settings.openai_base_url:
        return openai_compat_model(settings, model_name)
    if provider_name == "openai-compat":
        raise ValueError("GRACE_MODEL=openai-compat:NAME needs GRACE_OPENAI_BASE_URL (the server's /v1 URL)")
    return name


class GraceAgent:
    """The pydantic-ai agent with Grace's tools. Built once per process (and once for dry runs)."""

    def __init__(self, settings: Settings, *, dry_run: bool = False,
                 modules: Sequence[ModuleType] = TOOL_MODULES) -> None:
        self.settings = settings
        self.specs = {s.name: s for s in tool_specs(modules)}
        self.offline = configured_model(settings) is None
        tools = [build_recorder(s) if dry_run else build_tool(s) for s in self.specs.values()]
        self.agent: Agent[AgentDeps, OutputT] = Agent(
            configured_model(settings), deps_type=AgentDeps, output_type=[str, DeferredToolRequests],  # type: ignore[arg-type]
            tools=tools, instructions=[INSTRUCTIONS, _speaker], defer_model_check=True, name="grace",
        )

    def model_for(self, deps: AgentDeps) -> Model | None:
        return offline_model(deps.actor.role, deps.services.policies) if self.offline else None

    async def run(self, deps: AgentDeps, prompt: str | None, history: list[ModelMessage],
                  deferred: DeferredToolResults | None = None) -> AgentRunResult[Any]:
        return await self.agent.run(prompt, deps=deps, message_history=history or None,
                                    deferred_tool_results=deferred, model=self.model_for(deps))


def _speaker(ctx: RunContext[AgentDeps]) -> str:
    a = ctx.deps.actor
    return f"You are talking to {a.name or a.ref}, whose role is {a.role.value}."
