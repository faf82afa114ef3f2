"""What the offline model answers a user's message with, free of pydantic-ai: a sentence, or one tool call.

`tools.offline.model` wraps these answers in pydantic-ai's messages to drive the agent; `tools.dry_run`
uses them directly, so `grace chat --dry-run` with the offline model needs no agent framework and says
exactly what the agent would do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.actors import Role
from engine.governance.policies import ALLOWED_ROLES, Policies
from tools.offline import rules as R
from tools.offline.parser import Parsed
from tools.offline.text import MAX_CHARS

CHOICE_LINE = re.compile(r"^([12])\. ([^\n]{1,300})$", re.MULTILINE)


@dataclass(frozen=True)
class ToolCall:
    """The model calls this tool with these arguments (as it writes them, before validation)."""

    tool: str
    args: dict[str, Any]


Answer = str | ToolCall


def read_prompt(prompts: list[str]) -> tuple[str, str]:
    """The user's message as the parser gets it: (raw, capped at MAX_CHARS; text, with spaces collapsed)."""
    raw = "\n".join(prompts)[:MAX_CHARS]
    return raw, re.sub(r"\s+", " ", raw).strip()


def choices_in(text: str) -> list[str]:
    """The numbered readings of an "I'm not sure which you mean" answer (empty for any other answer)."""
    if not text.startswith(R.UNSURE):
        return []
    return [m.group(2) for m in CHOICE_LINE.finditer(text)]


def decide(parsed: Parsed, role: Role, offered: set[str], policies: Policies) -> Answer:
    """The model's answer to a user message, given what the parser understood and the tools offered."""
    if parsed.kind == "help":
        return R.HELP_TEXT
    if parsed.kind == "unsure":
        usable = [r for r in parsed.readings if r.tool in offered and policies.allowed(R.BY_TOOL[r.tool].action, role)]
        if len(usable) == 2:
            lines = "\n".join(f"{i}. {r.label}" for i, r in enumerate(usable, 1))
            return f"{R.UNSURE}\n{lines}\n{R.UNSURE_TAIL}"
        # Only one reading is open to this speaker: say it, and ask them to confirm it in their words.
        only = usable[0] if usable else parsed.readings[0]
        return R.UNSURE_ONE.format(label=only.label, example=R.BY_TOOL[only.tool].example)
    if parsed.kind == "unknown" or parsed.intent is None:
        known = parsed.entities.described()
        ex = [i.example for i in R.INTENTS if i.tool in offered][:3] or [R.INTENTS[-1].example] * 3
        ex += [ex[-1]] * (3 - len(ex))
        return R.UNKNOWN.format(known=f" (I noticed {known})" if known else "", ex1=ex[0], ex2=ex[1], ex3=ex[2])
    intent = parsed.intent
    if not policies.allowed(intent.action, role):
        roles = sorted(r.value for r in ALLOWED_ROLES[intent.action]) or ["admin"]
        return R.REFUSED.format(role=role.value, what=intent.what, roles=" or ".join(roles))
    if intent.tool not in offered:
        return R.UNAVAILABLE.format(what=intent.what)
    if parsed.kind == "missing":
        known = parsed.entities.described()
        need = " and ".join(R.NEEDS_WORDS.get(n, n) for n in parsed.missing)
        return R.MISSING.format(what=intent.what, known=f" ({known})" if known else "", missing=need,
                                example=intent.example)
    return ToolCall(intent.tool, parsed.args)


def retry_detail(content: Any) -> str:
    """What the model says when a call's arguments were refused (a validation error's list, or a sentence):
    a parser cannot fix its call, so it says what went wrong."""
    if isinstance(content, Sequence) and not isinstance(content, str) and all(
            isinstance(e, Mapping) and "loc" in e and "msg" in e for e in content):
        detail = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in content)
    else:
        detail = str(content)
    return f"I couldn't do that: {detail}"
