"""The small frame every tool module uses.

A tool module (`tools/pipeline.py`, `tools/scoring.py`, ...) defines plain async
functions `fn(ctx: RunContext[AgentDeps], ...)` and a `TOOLS` list of `ToolSpec`s
naming, for each, the governance action that allows it and whether it needs the
speaker's confirmation. `tools.agent` turns the specs into pydantic-ai tools
offered only to roles the policy table allows (the engine checks again).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic_ai import RunContext, Tool
from pydantic_ai.tools import ToolDefinition

from engine.context import OperationContext, unit_of_work
from engine.errors import GraceError
from engine.hunter import for_model
from tools.deps import AgentDeps

T = TypeVar("T")


@dataclass(frozen=True)
class ToolSpec:
    function: Callable[..., Awaitable[Any]]
    action: str  # the governance action (engine.governance.policies) the tool performs
    confirm: bool = False  # moves money or tells a client something: the speaker confirms first

    @property
    def name(self) -> str:
        return self.function.__name__


def error_result(e: GraceError) -> dict[str, Any]:
    """How a refused or failed operation reaches the model: a sentence, never a stack trace."""
    out: dict[str, Any] = {"error": e.code, "message": e.message}
    if e.field:
        out["field"] = e.field
    return out


def client_text(data: dict[str, Any], *fields: str) -> dict[str, Any]:
    """Text a client wrote (requirements, survey comments), made safe for a model's eyes by Hunter:
    redacted, or withheld when it carries a block-level finding such as an injected instruction.
    Every tool result that carries client-written text passes it through here."""
    for f in fields:
        if isinstance(data.get(f), str):
            data[f] = for_model(data[f])
    return data


async def run_operation(deps: AgentDeps, fn: Callable[[OperationContext], Awaitable[Any]]) -> dict[str, Any]:
    """Run one engine operation in its own unit of work as the speaker; a dict for the model."""
    try:
        async with unit_of_work(deps.services, deps.actor) as ctx:
            result = await fn(ctx)
    except GraceError as e:
        return error_result(e)
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    return dict(result)


def _role_filter(action: str) -> Callable[[RunContext[AgentDeps], ToolDefinition], Awaitable[ToolDefinition | None]]:
    async def prepare(ctx: RunContext[AgentDeps], tool_def: ToolDefinition) -> ToolDefinition | None:
        return tool_def if ctx.deps.services.policies.allowed(action, ctx.deps.actor.role) else None

    return prepare


def build_tool(spec: ToolSpec) -> Tool[AgentDeps]:
    return Tool(spec.function, takes_ctx=True, prepare=_role_filter(spec.action), requires_approval=spec.confirm,
                max_retries=1)


def build_recorder(spec: ToolSpec) -> Tool[AgentDeps]:
    """The same name and schema, but the call is recorded and nothing is touched (dry run)."""
    real = build_tool(spec)

    async def record(ctx: RunContext[AgentDeps], **args: Any) -> dict[str, Any]:
        assert ctx.deps.recorded is not None
        ctx.deps.recorded.append({"tool": spec.name, "args": args})
        return {"dry_run": True, "tool": spec.name, "args": args}

    tool: Tool[AgentDeps] = Tool.from_schema(record, name=spec.name, description=real.description,
                                             json_schema=real.function_schema.json_schema, takes_ctx=True)
    tool.prepare = _role_filter(spec.action)
    return tool
