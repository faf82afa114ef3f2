"""The small frame every tool module uses.

A tool module (`tools/pipeline.py`, `tools/scoring.py`, ...) defines plain async
functions `fn(ctx: RunContext[AgentDeps], ...)` and a `TOOLS` list of `ToolSpec`s
naming, for each, the governance action that allows it and whether it needs the
speaker's confirmation. `tools.agent` turns the specs into pydantic-ai tools
offered only to roles the policy table allows (the engine checks again).

A tool module imports neither pydantic-ai (`RunContext` is named for type checkers
only; `tools.agent` binds it when it builds the tools) nor the engine's operations
at import (each tool imports its operation when it runs): the tools' metadata, what
`grace chat --dry-run` and the registry read, then costs no more than the module.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict, create_model

from engine.errors import GraceError

if TYPE_CHECKING:
    from engine.context import OperationContext
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

    @cached_property
    def arguments(self) -> type[BaseModel]:
        """The tool's arguments as a model, from the function's parameters after the run context: what a
        call's arguments are validated against before it runs (pydantic-ai builds the same from the same
        signature; tests/tools/test_dry_run.py holds the two to the same verdicts)."""
        fields: dict[str, Any] = {}
        for p in list(inspect.signature(self.function).parameters.values())[1:]:
            default = ... if p.default is inspect.Parameter.empty else p.default
            fields[p.name] = (p.annotation, default)
        # The annotations are strings (postponed): pydantic resolves them in the tool's module. An argument
        # the tool does not have is refused, as pydantic-ai refuses it.
        model: type[BaseModel] = create_model(self.name, __module__=self.function.__module__,
                                              __config__=ConfigDict(extra="forbid"), **fields)
        return model

    def check_arguments(self, args: dict[str, Any]) -> None:
        """Raise pydantic's ValidationError when the tool would refuse these arguments."""
        self.arguments.model_validate(args)


def error_result(e: GraceError) -> dict[str, Any]:
    """How a refused or failed operation reaches the model: a sentence, never a stack trace."""
    out: dict[str, Any] = {"error": e.code, "message": e.message}
    if e.field:
        out["field"] = e.field
    return out


def for_model(text: str | None) -> str | None:
    """Hunter's screen of a client's text for a model's eyes (`engine.hunter.for_model`)."""
    # Deferred to when a tool runs: Hunter's detectors and models are not needed to list or dry-run tools.
    from engine.hunter import for_model as screen

    return screen(text)


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
    # Deferred to when a tool runs: the unit of work brings SQLAlchemy and the audit log.
    from engine.context import unit_of_work

    try:
        async with unit_of_work(deps.services, deps.actor) as ctx:
            result = await fn(ctx)
    except GraceError as e:
        return error_result(e)
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    return dict(result)
