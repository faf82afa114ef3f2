"""The offline model: the parser behind pydantic-ai's FunctionModel.

It drives the real agent loop: it answers a user message with one tool call (or a
sentence), and a tool's result with a sentence. It sees the thread's history, so a
pronoun ("qualify it") means the lead or project last mentioned there.

When the classifier is unsure, it calls nothing and answers with its best two readings,
numbered ("1. Score and qualify lead #48 / 2. Predict whether lead #48 will close"); the
next message "1" or "2" (a Slack button sends it, the terminal asks for it) takes that
reading, so nothing is ever done on a guess.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    RetryPromptPart,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models.function import AgentInfo, FunctionModel

from engine.actors import Role
from engine.governance.policies import Policies
from tools.offline import rules as R
from tools.offline.parser import LEAD_ID, PROJECT_ID, Parsed, parse
from tools.offline.replies import summarise
from tools.offline.text import MAX_CHARS
from tools.offline.turn import ToolCall, decide, read_prompt, retry_detail

PICK = re.compile(r"^\s{0,5}(?:#|no\.?\s?|option\s|number\s|the\s)?(1|2|one|two|first|second)(?:\s(?:one|option))?"
                  r"\s{0,5}[.!)]?\s{0,5}$", re.IGNORECASE)


def _ids_in(value: Any) -> tuple[int | None, int | None]:
    if isinstance(value, dict):
        lead = value.get("lead_id")
        project = value.get("project_id")
        if lead is None and isinstance(value.get("items"), list) and len(value["items"]) == 1:
            lead = value["items"][0].get("lead_id")
        return (lead if isinstance(lead, int) else None, project if isinstance(project, int) else None)
    return None, None


def last_mentioned(messages: list[ModelMessage]) -> tuple[int | None, int | None]:
    """The lead and the project most recently named in the thread (by the user or a tool)."""
    lead: int | None = None
    project: int | None = None
    for msg in reversed(messages):
        for part in reversed(msg.parts):
            found: tuple[int | None, int | None] = (None, None)
            if isinstance(part, ToolReturnPart):
                found = _ids_in(part.content)
            elif isinstance(part, ToolCallPart):
                found = _ids_in(part.args_as_dict())
            elif isinstance(part, UserPromptPart) and isinstance(part.content, str):
                lm, pm = LEAD_ID.search(part.content), PROJECT_ID.search(part.content)
                found = (int(lm.group(1)) if lm else None, int(pm.group(1)) if pm else None)
            lead = lead if lead is not None else found[0]
            project = project if project is not None else found[1]
            if lead is not None and project is not None:
                return lead, project
    return lead, project


def _picked(messages: list[ModelMessage], text: str) -> Parsed | None:
    """"1" or "2" right after an unsure answer: that reading of the message it was unsure about."""
    m = PICK.match(text)
    if not m or len(messages) < 3:
        return None
    asked = messages[-2]
    if not isinstance(asked, ModelResponse) or not any(
            isinstance(p, TextPart) and p.content.startswith(R.UNSURE) for p in asked.parts):
        return None
    before = messages[-3]
    prompts = [p.content for p in before.parts if isinstance(p, UserPromptPart) and isinstance(p.content, str)]
    if not prompts:
        return None
    raw = "\n".join(prompts)[:MAX_CHARS]
    lead, project = last_mentioned(messages[:-3])
    earlier = parse(re.sub(r"\s+", " ", raw).strip(), lead, project, raw=raw)
    index = 0 if m.group(1).lower() in ("1", "one", "first") else 1
    if len(earlier.readings) <= index:
        return None
    r = earlier.readings[index]
    return Parsed("missing" if r.missing else "call", R.BY_TOOL[r.tool], r.args, r.missing, earlier.entities)


def answer(parsed: Parsed, role: Role, offered: set[str], policies: Policies) -> ModelResponse:
    """The model's reply to a user message, given what the parser understood (`turn.decide`)."""
    said = decide(parsed, role, offered, policies)
    if isinstance(said, ToolCall):
        return ModelResponse(parts=[ToolCallPart(said.tool, said.args)])
    return ModelResponse(parts=[TextPart(said)])


def offline_model(role: Role, policies: Policies) -> FunctionModel:
    """A model for one run on behalf of a speaker with this role, under these policies."""

    def respond(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        last = messages[-1]
        assert isinstance(last, ModelRequest)
        returns = [p for p in last.parts if isinstance(p, ToolReturnPart)]
        # A call whose arguments the tool refused comes back as a "retried" result, its content the errors.
        refused = [p for p in returns if p.outcome == "retried"]
        if refused:
            return ModelResponse(parts=[TextPart(retry_detail(refused[0].content))])
        if returns:
            text = " ".join(summarise(p.tool_name, p.content, denied=p.outcome == "denied") for p in returns)
            return ModelResponse(parts=[TextPart(text)])
        retries = [p for p in last.parts if isinstance(p, RetryPromptPart)]
        if retries:
            # The model would fix its call; a parser cannot, so it says what went wrong.
            return ModelResponse(parts=[TextPart(retry_detail(retries[0].content))])
        prompts = [p.content for p in last.parts if isinstance(p, UserPromptPart) and isinstance(p.content, str)]
        raw, text = read_prompt(prompts)
        offered = {t.name for t in info.function_tools}
        if picked := _picked(messages, text):
            return answer(picked, role, offered, policies)
        lead, project = last_mentioned(messages[:-1])
        return answer(parse(text, lead, project, raw=raw), role, offered, policies)

    return FunctionModel(respond, model_name="grace-offline")
