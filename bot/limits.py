"""Request size limits as a pure ASGI middleware, counted on the bytes actually received.

`Content-Length` is only a promise: a chunked request has none, and a client may send more
than it announced. So the limit is checked twice: on the header, before any route runs, and
on every chunk the app reads through `receive`, chunked or not. Past the limit the read
raises `BodyTooLarge` (a 413 through the app's error handlers); nothing after it is read.

Each route family has its own cap (`body_limits`): small for webhooks and forms, whose senders
send kilobytes, larger for the API (CSV imports) and inbound e-mail (a long message).

Starlette's `@app.middleware("http")` (BaseHTTPMiddleware) runs every request through
an extra task and memory streams; under a burst of Slack events it more than doubled
the time to the HTTP answer (bench/slack_ack.py), so the limit is checked here instead.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.errors import GraceError

KB = 1024
MB = 1024 * KB


class BodyTooLarge(GraceError):
    status = 413
    code = "too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body is larger than {_size(limit)}.", field="body", limit_bytes=limit)


def _size(n: int) -> str:
    return f"{n // MB} MB" if n >= MB and n % MB == 0 else f"{n // KB} KB"


def body_limits(*, default: int, form_bytes: int) -> list[tuple[str, int]]:
    """(path prefix, cap in bytes), most specific first; `default` for every other path."""
    return [
        # Stripe events are a few KB (an invoice with many lines stays well under 256 KB).
        ("/webhooks/stripe", 256 * KB),
        # LinkedIn Lead Gen notifications and their answers: a few KB.
        ("/webhooks/linkedin", 256 * KB),
        # Mailgun and SendGrid post the whole message, attachments included (we read text only).
        ("/webhooks/email/", 10 * MB),
        # Slack events and interactive payloads (a message is at most 40,000 characters).
        ("/slack/", 1 * MB),
        # Public forms: the form route counts its own rejections below this; this is the backstop.
        ("/forms/", 2 * form_bytes),
        ("/nps/", 64 * KB),
        ("/p/", 64 * KB),
        ("/login", 16 * KB),
        ("/logout", 16 * KB),
        ("", default),
    ]


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, limits: Sequence[tuple[str, int]] = ()) -> None:
        self.app = app
        self.limits = [*limits, ("", max_bytes)]

    def limit_for(self, path: str) -> int:
        return next(cap for prefix, cap in self.limits if path.startswith(prefix))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        length = dict(scope.get("headers") or []).get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            await _too_large(send, limit)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            # Raised where no handler turned it into an answer (e.g. inside a mounted app).
            if started:
                raise
            await _too_large(send, limit)


async def _too_large(send: Any, max_bytes: int) -> None:
    body = json.dumps(BodyTooLarge(max_bytes).to_dict()).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
