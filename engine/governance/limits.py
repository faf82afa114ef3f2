"""Rate limits per actor: an in-process sliding window.

One process counts its own calls (the window lives in the process's `Policies`, held by
`Services`); with several API replicas each enforces the limit on its own share (a
Redis-backed window is the next step, not built yet).
"""

from __future__ import annotations

import threading
import time
from collections import deque


class SlidingWindow:
    """At most `max` events per `per_seconds` for each key."""

    def __init__(self) -> None:
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._calls = 0
        self._longest = 0.0

    def hit(self, key: str, max_calls: int, per_seconds: float, *, now: float | None = None) -> float | None:
        """Record one call; return None when it is within the limit, else the seconds to wait."""
        t = time.monotonic() if now is None else now
        with self._lock:
            self._longest = max(self._longest, per_seconds)
            self._calls += 1
            if self._calls % 1000 == 0:
                self._forget_idle(t)
            q = self._events.setdefault(key, deque())
            while q and q[0] <= t - per_seconds:
                q.popleft()
            if len(q) >= max_calls:
                return max(0.0, q[0] + per_seconds - t)
            q.append(t)
            return None

    def _forget_idle(self, now: float) -> None:
        """Drop keys with no call inside the longest window in use (memory stays bounded by activity)."""
        for k in [k for k, q in self._events.items() if not q or q[-1] <= now - self._longest]:
            del self._events[k]

    def reset(self) -> None:
        with self._lock:
            self._events.clear()

