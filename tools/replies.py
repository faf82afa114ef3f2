"""What a conversation turn answers with, whatever ran it (the agent, or the offline dry run).

Edges (Slack, the terminal) render a `ChatReply`; this module imports nothing heavy, so a
renderer or a dry run can use it without the agent framework.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ToolOutcome:
    tool: str
    args: dict[str, Any]
    result: Any
    ok: bool


@dataclass
class PendingCall:
    tool_call_id: str
    tool: str
    args: dict[str, Any]
    question: str


@dataclass
class ChatReply:
    text: str
    outcomes: list[ToolOutcome] = field(default_factory=list)
    pending: list[PendingCall] = field(default_factory=list)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    # True when a Confirm/Cancel was not acted on (someone else's, already answered, nothing waiting).
    refused: bool = False
    # When the model was unsure: its two readings, in order; answering "1" or "2" (`choose`) takes one.
    choices: list[str] = field(default_factory=list)
