"""Conversation history per Slack thread or terminal session, in the database, capped."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic_ai.messages import ModelMessage, ModelMessagesTypeAdapter, ModelRequest, UserPromptPart
from sqlalchemy import select, update

from engine.context import Services
from storage.db import insert_ignore
from storage.models import AgentConversation
from storage.types import utcnow


@dataclass
class Thread:
    key: str
    messages: list[ModelMessage] = field(default_factory=list)
    # tool_call_id -> {"tool", "args", "speaker", "question"}
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)


def cap(messages: list[ModelMessage], limit: int) -> list[ModelMessage]:
    """The newest messages, at most `limit`, starting at a user's message, so a tool call
    is never separated from its result."""
    if len(messages) <= limit:
        return messages
    for start in range(len(messages) - limit, len(messages)):
        msg = messages[start]
        if isinstance(msg, ModelRequest) and any(isinstance(p, UserPromptPart) for p in msg.parts):
            return messages[start:]
    return []


async def load_thread(services: Services, key: str) -> Thread:
    async with services.session_factory() as session:
        row = (await session.execute(select(AgentConversation).where(AgentConversation.key == key))).scalar_one_or_none()
    if row is None:
        return Thread(key)
    return Thread(key, list(ModelMessagesTypeAdapter.validate_python(row.messages)), dict(row.pending or {}))


async def save_thread(services: Services, thread: Thread) -> None:
    messages = cap(thread.messages, services.settings.history_max_messages)
    data = ModelMessagesTypeAdapter.dump_python(messages, mode="json")
    async with services.session_factory() as session:
        now = utcnow()
        await insert_ignore(session, AgentConversation, {
            "key": thread.key, "messages": [], "pending": {}, "created_at": now, "updated_at": now}, ["key"])
        await session.execute(update(AgentConversation).where(AgentConversation.key == thread.key)
                              .values(messages=data, pending=thread.pending, updated_at=now))
        await session.commit()
