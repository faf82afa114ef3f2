"""`grace chat --dry-run` with the offline model, without the agent framework.

The offline model answers a first message with a sentence or one tool call (`tools.offline.turn`); the
agent would then check the call's arguments against the tool's signature, run it (a dry run records it
instead) and let the model sum up its result. This does the same steps from the same tool registry, so
it says what the agent would call (tests/tools/test_dry_run.py runs both over the agent's corpus).
A conversation's history, or a language model, needs the agent itself: `tools.conversation.dry_run`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from tools.offline.parser import parse
from tools.offline.replies import summarise
from tools.offline.turn import ToolCall, choices_in, decide, read_prompt, retry_detail
from tools.registry import offered_to, tool_specs
from tools.replies import ChatReply, ToolOutcome

if TYPE_CHECKING:
    from engine.actors import Actor
    from engine.governance.policies import Policies
    from tools.base import ToolSpec


def recorded_result(tool: str, args: dict[str, Any]) -> dict[str, Any]:
    """What a dry run's tool answers in place of running (the model sums it up as "I would call ...")."""
    return {"dry_run": True, "tool": tool, "args": args}


def offline_dry_run(actor: Actor, text: str, policies: Policies, specs: list[ToolSpec] | None = None) -> ChatReply:
    """What the agent with the offline model does with `text` as the first message of a conversation,
    as `actor` under `policies`: the tool it would call (checked, recorded, not run) and what it would answer."""
    by_name = {s.name: s for s in (specs if specs is not None else tool_specs())}
    raw, message = read_prompt([text])
    said = decide(parse(message, None, None, raw=raw), actor.role,
                  offered_to(actor.role, list(by_name.values()), policies), policies)
    if not isinstance(said, ToolCall):
        return ChatReply(said, choices=choices_in(said))
    try:
        by_name[said.tool].check_arguments(said.args)
    except ValidationError as e:
        # The agent hands the refusal back to the model, which says what went wrong; nothing is called.
        return ChatReply(retry_detail(e.errors(include_url=False, include_context=False)))
    result = recorded_result(said.tool, said.args)
    text = summarise(said.tool, result)
    return ChatReply(text, outcomes=[ToolOutcome(said.tool, said.args, result, True)],
                     tool_calls=[{"tool": said.tool, "args": said.args}], choices=choices_in(text))
