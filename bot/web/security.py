"""Security headers on every response: CSP (no framing), nosniff, a referrer policy.

Pages hold tokens in their addresses (proposal, pay and survey links), so no referrer leaves;
no page may be framed (clickjacking of the accept, pay and sign-out buttons). A pure ASGI
middleware: it only adds headers to the response's start message.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'")
# FastAPI's /docs and /redoc load their scripts from a CDN: they keep the framing rule only.
DOCS_CSP = "frame-ancestors 'none'"
DOCS = ("/docs", "/redoc")
HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
           (b"x-frame-options", b"DENY")]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = (DOCS_CSP if str(scope.get("path", "")).startswith(DOCS) else CSP).encode()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in [(b"content-security-policy", csp), *HEADERS] if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
