"""Request size limit as a pure ASGI middleware.

Starlette's `@app.middleware("http")` (BaseHTTPMiddleware) runs every request through
an extra task and memory streams; under a burst of Slack events it more than doubled
the time to the HTTP answer (bench/slack_ack.py), so the limit is checked here instead.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope.get("headers") or []).get(b"content-length", b"")
            if length.isdigit() and int(length) > self.max_bytes:
                await _too_large(send, self.max_bytes)
                return
        await self.app(scope, receive, send)


async def _too_large(send: Any, max_bytes: int) -> None:
    body = json.dumps({"error": "too_large",
                       "message": f"The request body is larger than {max_bytes // (1024 * 1024)} MB."}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
