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
from urllib.parse import parse_qsl

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


def unstorable(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string (or key) a database cannot store: one holding NUL
    or an unpaired UTF-16 surrogate (JSON's `\\ud800` escapes decode to such strings)."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, v = stack.pop()
        if isinstance(v, str):
            if not _storable(v):
                return where or "body"
        elif isinstance(v, dict):
            for k, item in v.items():
                key = str(k)
                sub = f"{where}.{key}" if where else key
                if not _storable(key):
                    return sub
                stack.append((sub, item))
        elif isinstance(v, list):
            stack.extend((f"{where}[{i}]", item) for i, item in enumerate(v))
    return None


def _storable(s: str) -> bool:
    if "\x00" in s:
        return False
    if s.isascii():
        return True
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class StorableText:
    """Refuses (422, naming the field) text no database can store, before any route sees it:
    NUL or unpaired surrogates in a JSON body, a form-encoded body, the query string or the path.

    Such strings would otherwise fail deep in a write (PostgreSQL refuses NUL in text and JSONB;
    UTF-8 has no encoding for a lone surrogate) and surface as a 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope.get("path", ""):
            await _unstorable(send, "path")
            return
        query = scope.get("query_string", b"")
        if b"%00" in query or b"\x00" in query:
            bad = next((k for k, v in parse_qsl(query.decode("latin-1"), keep_blank_values=True)
                        if "\x00" in k or "\x00" in v), "query")
            await _unstorable(send, bad)
            return
        headers = dict(scope.get("headers") or [])
        ctype = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if scope.get("method") not in ("POST", "PUT", "PATCH") or not (
                ctype.endswith(b"json") or ctype == b"application/x-www-form-urlencoded"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        raw = b"".join(chunks)
        field = _bad_field(ctype, raw)
        if field is not None:
            await _unstorable(send, field)
            return
        await self.app(scope, _replay([{"type": "http.request", "body": raw, "more_body": False}], receive), send)


def _bad_field(ctype: bytes, raw: bytes) -> str | None:
    if ctype == b"application/x-www-form-urlencoded":
        if b"%00" not in raw and b"\x00" not in raw:
            return None
        pairs = parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True)
        return next((k for k, v in pairs if "\x00" in k or "\x00" in v), "body")
    if b"\\u" not in raw and b"\x00" not in raw:
        return None  # no escape, no NUL: every string in it is storable (or it is not JSON at all)
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None  # the route says what is wrong with it
    return unstorable(data)


def _replay(messages: list[Message], receive: Receive | None = None) -> Receive:
    queue = list(messages)

    async def replay() -> Message:
        if queue:
            return queue.pop(0)
        if receive is not None:
            return await receive()  # e.g. http.disconnect
        return {"type": "http.disconnect"}

    return replay


async def _unstorable(send: Any, field: str) -> None:
    body = json.dumps({"error": "invalid_input", "field": field,
                       "message": f"{field}: holds a NUL character or an unpaired surrogate, which cannot be stored."
                       }).encode()
    await send({"type": "http.response.start", "status": 422,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
