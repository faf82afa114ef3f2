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
from engine.governance.policies import ALLOWED_ROLES, Policies
from tools.offline import rules as R
from tools.offline.parser import LEAD_ID, PROJECT_ID, Parsed, parse
from tools.offline.replies import summarise
from tools.offline.text import MAX_CHARS

PICK = re.compile(r"^\s{0,5}(?:#|no\.?\s?|option\s|number\s|the\s)?(1|2|one|two|first|second)(?:\s(?:one|option))?"
                  r"\s{0,5}[.!)]?\s{0,5}$", re.IGNORECASE)
CHOICE_LINE = re.compile(r"^([12])\. ([^\n]{1,300})$", re.MULTILINE)


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


def choices_in(text: str) -> list[str]:
    """The numbered readings of an "I'm not sure which you mean" answer (empty for any other answer)."""
    if not text.startswith(R.UNSURE):
        return []
    return [m.group(2) for m in CHOICE_LINE.finditer(text)]


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
    """The model's reply to a user message, given what the parser understood."""
    if parsed.kind == "help":
        return ModelResponse(parts=[TextPart(R.HELP_TEXT)])
    if parsed.kind == "unsure":
        usable = [r for r in parsed.readings if r.tool in offered and policies.allowed(R.BY_TOOL[r.tool].action, role)]
        if len(usable) == 2:
            lines = "\n".join(f"{i}. {r.label}" for i, r in enumerate(usable, 1))
            return ModelResponse(parts=[TextPart(f"{R.UNSURE}\n{lines}\n{R.UNSURE_TAIL}")])
        # Only one reading is open to this speaker: say it, and ask them to confirm it in their words.
        only = usable[0] if usable else parsed.readings[0]
        return ModelResponse(parts=[TextPart(R.UNSURE_ONE.format(label=only.label, example=R.BY_TOOL[only.tool].example))])
    if parsed.kind == "unknown" or parsed.intent is None:
        known = parsed.entities.described()
        ex = [i.example for i in R.INTENTS if i.tool in offered][:3] or [R.INTENTS[-1].example] * 3
        ex += [ex[-1]] * (3 - len(ex))
        return ModelResponse(parts=[TextPart(R.UNKNOWN.format(known=f" (I noticed {known})" if known else "",
                                                               ex1=ex[0], ex2=ex[1], ex3=ex[2]))])
    intent = parsed.intent
    if not policies.allowed(intent.action, role):
        roles = sorted(r.value for r in ALLOWED_ROLES[intent.action]) or ["admin"]
        return ModelResponse(parts=[TextPart(R.REFUSED.format(role=role.value, what=intent.what,
                                                               roles=" or ".join(roles)))])
    if intent.tool not in offered:
        return ModelResponse(parts=[TextPart(R.UNAVAILABLE.format(what=intent.what))])
    if parsed.kind == "missing":
        known = parsed.entities.described()
        need = " and ".join(R.NEEDS_WORDS.get(n, n) for n in parsed.missing)
        return ModelResponse(parts=[TextPart(R.MISSING.format(what=intent.what, known=f" ({known})" if known else "",
                                                               missing=need, example=intent.example))])
    return ModelResponse(parts=[ToolCallPart(intent.tool, parsed.args)])


def offline_model(role: Role, policies: Policies) -> FunctionModel:
    """A model for one run on behalf of a speaker with this role, under these policies."""

    def respond(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        last = messages[-1]
        assert isinstance(last, ModelRequest)
        returns = [p for p in last.parts if isinstance(p, ToolReturnPart)]
        if returns:
            text = " ".join(summarise(p.tool_name, p.content, denied=p.outcome == "denied") for p in returns)
            return ModelResponse(parts=[TextPart(text)])
        retries = [p for p in last.parts if isinstance(p, RetryPromptPart)]
        if retries:
            # The model would fix its call; a parser cannot, so it says what went wrong.
            content = retries[0].content
            detail = content if isinstance(content, str) else "; ".join(
                f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in content)
            return ModelResponse(parts=[TextPart(f"I couldn't do that: {detail}")])
        prompts = [p.content for p in last.parts if isinstance(p, UserPromptPart) and isinstance(p.content, str)]
        raw = "\n".join(prompts)[:MAX_CHARS]
        text = re.sub(r"\s+", " ", raw).strip()
        offered = {t.name for t in info.function_tools}
        if picked := _picked(messages, text):
            return answer(picked, role, offered, policies)
        lead, project = last_mentioned(messages[:-1])
        return answer(parse(text, lead, project, raw=raw), role, offered, policies)

    return FunctionModel(respond, model_name="grace-offline")
