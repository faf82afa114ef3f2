"""Small protocols through which the engine talks to the outside world.

Implementations are chosen at start-up from the settings, in the composition roots
(`bot/services.py`, `bot/app.py`), and reach the engine as typed fields of `Services`.
This module stays at the bottom of the engine: everything may import it.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol


class Notifier(Protocol):
    """Tells people something (Slack in production; a log line when Slack is off)."""

    async def post(self, channel: str | None, text: str, *, blocks: list[dict[str, Any]] | None = None,
                   thread_ts: str | None = None, key: str | None = None) -> str | None: ...


class Queue(Protocol):
    """Runs a named job later. `job_id` makes enqueueing idempotent."""

    async def enqueue(self, function: str, *args: Any, job_id: str | None = None,
                      defer_seconds: float | None = None) -> str | None: ...


class Cache(Protocol):
    async def get(self, key: str) -> Any | None: ...

    async def set(self, key: str, value: Any, ttl_seconds: int) -> None: ...

    async def delete_prefix(self, prefix: str) -> None: ...


class VoteBoard(Protocol):
    """Where a vote is shown to people (Slack's Block Kit message, or plain notices)."""

    async def publish(self, vote_id: int) -> None:
        """Show a newly opened vote (once) and remember where it is shown."""

    async def refresh(self, vote_id: int) -> None:
        """Redraw the vote with its current tally, voters and decision."""

    async def announce(self, vote_id: int, text: str, key: str) -> None:
        """Say something about the vote next to it (a thread reply), at most once per key."""


class LogNotifier:
    """Used when Slack is off: messages go to the log, so nothing is silently lost."""

    def __init__(self) -> None:
        self.log = logging.getLogger("grace.notify")
        self.sent: list[dict[str, Any]] = []

    async def post(self, channel: str | None, text: str, *, blocks: list[dict[str, Any]] | None = None,
                   thread_ts: str | None = None, key: str | None = None) -> str | None:
        self.sent.append({"channel": channel, "text": text, "thread_ts": thread_ts, "key": key})
        self.log.info("notify %s: %s", channel or "-", text)
        return None
