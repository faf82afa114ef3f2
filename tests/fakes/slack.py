"""A fake Slack Web API on 127.0.0.1: the real slack_sdk client talks to it over HTTP.

It answers the methods Grace calls and records every call, so tests can assert what
Slack would have shown. `fail_next(method, 429, retry_after=1)` rehearses rate limits.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

BOT_USER = "UGRACEBOT"
BOT_ID = "BGRACE"
TEAM = "T0GRACE"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None
    answer: dict[str, Any] = field(default_factory=dict)  # what the fake answered (a posted message's `ts`)


@dataclass
class FakeSlack:
    url: str = ""
    calls: list[Call] = field(default_factory=list)
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))
    _failures: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def fail_next(self, method: str, status: int = 429, retry_after: int = 1) -> None:
        self._failures.setdefault(method, []).append((status, retry_after))

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until at least `count` calls of `method` arrived; return them."""
        async def until() -> None:
            while len(self.of(method)) < count:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(until(), timeout)
        return self.of(method)

    def texts(self, method: str = "chat.postMessage") -> list[str]:
        return [str(c.params.get("text", "")) for c in self.of(method)]

    async def handle(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        raw = await request.body()
        ctype = request.headers.get("content-type", "")
        if "json" in ctype:
            params = json.loads(raw or b"{}")
        else:
            params = dict(parse_qsl(raw.decode()))
            for k in ("blocks", "view", "attachments"):
                if isinstance(params.get(k), str):
                    try:
                        params[k] = json.loads(params[k])
                    except ValueError:
                        pass
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip() or params.get("token")
        if self._failures.get(method):
            status, retry = self._failures[method].pop(0)
            return JSONResponse({"ok": False, "error": "ratelimited"}, status_code=status,
                                headers={"Retry-After": str(retry)})
        answer = self._answer(method, params)
        self.calls.append(Call(method, params, token, answer))
        self._changed.set()
        return JSONResponse(answer)

    def _answer(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "url": "https://grace-test.slack.com/", "team": "Grace Test", "user": "grace",
                    "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID}
        if method == "chat.postMessage":
            ts = f"1700000000.{next(self._ts):06d}"
            return {"ok": True, "channel": p.get("channel"), "ts": ts,
                    "message": {"text": p.get("text"), "ts": ts, "thread_ts": p.get("thread_ts")}}
        if method == "chat.update":
            return {"ok": True, "channel": p.get("channel"), "ts": p.get("ts"), "text": p.get("text")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(p.get("users", "X")).split(",")[0]}}
        if method == "users.info":
            uid = p.get("user", "U0")
            return {"ok": True, "user": {"id": uid, "name": uid.lower(), "real_name": f"User {uid}",
                                         "profile": {"email": f"{uid.lower()}@agency.test"}}}
        if method in ("views.publish", "views.open", "views.update", "reactions.add", "chat.delete"):
            return {"ok": True}
        return {"ok": False, "error": "unknown_method"}

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/api/{method}", self.handle, methods=["POST", "GET"])])
