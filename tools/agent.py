"""The one agent: the registry's tools (`tools.registry`), the configured model, instructions.

This is where pydantic-ai comes in: the tool modules and the registry know nothing of it.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Awaitable, Callable, Sequence
from types import ModuleType
from typing import Any

from pydantic_ai import Agent, DeferredToolRequests, DeferredToolResults, RunContext, Tool
from pydantic_ai.agent import AgentRunResult
from pydantic_ai.messages import ModelMessage, ModelResponse, ToolCallPart
from pydantic_ai.models import Model
from pydantic_ai.tools import ToolDefinition

from engine.config import Settings
from tools.base import ToolSpec
from tools.deps import AgentDeps
from tools.dry_run import recorded_result
from tools.llm import openai_compat_model
from tools.offline.model import offline_model
from tools.registry import TOOL_MODULES, tool_specs, uses_offline_model

__all__ = ["TOOL_MODULES", "GraceAgent", "build_recorder", "build_tool", "configured_model", "tool_specs"]

INSTRUCTIONS = """\
You are Grace, the assistant of a small consulting agency, talking to a team member in Slack or a terminal.
Turn what they ask into calls of your tools; never invent ids, amounts or results: report what the tools return.
A lead or project mentioned earlier in the conversation may be referred to as "it".
If you cannot tell which lead, stage or amount is meant, say what you understood and ask, with an example.
Prices, votes and permissions are decided by the tools, never by you. Answer in one or two short sentences."""

OutputT = str | DeferredToolRequests


def _role_filter(action: str) -> Callable[[RunContext[AgentDeps], ToolDefinition], Awaitable[ToolDefinition | None]]:
    async def prepare(ctx: RunContext[AgentDeps], tool_def: ToolDefinition) -> ToolDefinition | None:
        return tool_def if ctx.deps.services.policies.allowed(action, ctx.deps.actor.role) else None

    return prepare


def _bind_run_context(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Tool modules name `RunContext` for type checkers only (so listing or dry-running the tools needs no
    pydantic-ai); pydantic-ai resolves the first parameter's annotation, so it is given the real type here."""
    first = next(iter(inspect.signature(fn).parameters))
    fn.__annotations__[first] = RunContext[AgentDeps]
    return fn


def build_tool(spec: ToolSpec) -> Tool[AgentDeps]:
    return Tool(_bind_run_context(spec.function), takes_ctx=True, prepare=_role_filter(spec.action),
                requires_approval=spec.confirm, max_retries=1)


def _as_called(ctx: RunContext[AgentDeps]) -> dict[str, Any] | None:
    """The arguments of the call being run, as the model wrote them (before validation)."""
    for msg in reversed(ctx.messages):
        if isinstance(msg, ModelResponse):
            for part in msg.parts:
                if isinstance(part, ToolCallPart) and part.tool_call_id == ctx.tool_call_id:
                    return part.args_as_dict()
    return None


def build_recorder(spec: ToolSpec) -> Tool[AgentDeps]:
    """The same name, schema and argument validation as the real tool, but the call is recorded and
    nothing is touched (dry run). No confirmation is asked: nothing would happen to confirm."""
    real = build_tool(spec)

    async def record(ctx: RunContext[AgentDeps], **validated: Any) -> dict[str, Any]:
        assert ctx.deps.recorded is not None
        args = _as_called(ctx)
        args = validated if args is None else args
        ctx.deps.recorded.append({"tool": spec.name, "args": args})
        return recorded_result(spec.name, args)

    schema = dataclasses.replace(real.function_schema, function=record, is_async=True)
    return Tool(record, takes_ctx=True, name=spec.name, description=real.description, function_schema=schema,
                prepare=_role_filter(spec.action), max_retries=1)


def configured_model(settings: Settings) -> Model | str | None:
    """None for the offline model (built per run, for the speaker's role); else the configured one.

    With GRACE_OPENAI_BASE_URL, `openai-compat:NAME` (or `openai:NAME`, `openai-chat:NAME`) is NAME on that
    server through pydantic-ai's OpenAI chat-completions client, with the configured key, timeout and retries.
    """
    if uses_offline_model(settings):
        return None
    name = settings.model.strip()
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
