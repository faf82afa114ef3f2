"""A small fake of an OpenAI-compatible chat-completions server (what vLLM, Ollama and llama.cpp serve),
so pydantic-ai's real OpenAI client runs against it on loopback.

`POST /v1/chat/completions` answers from a script: each entry is a `Turn` (a text, tool calls, an HTTP
error, or a delay longer than the client's timeout) or a function of the request body returning one.
With the script empty it answers with a sentence naming the last tool result it saw. Every request body
is recorded, so a test can check which tools, instructions and history reached the model.
`GET /v1/models` lists the one model, as local servers do.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bot.devtools.serving import serve_on_loopback


@dataclass
class Turn:
    """One answer of the fake model."""
    text: str | None = None
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    status: int = 200  # an HTTP error when not 200
    error: str = "the fake model failed"
    delay: float = 0.0  # seconds before answering (longer than the client's timeout: a timeout)

    @classmethod
    def say(cls, text: str) -> Turn:
        return cls(text=text)

    @classmethod
    def call(cls, tool: str, **args: Any) -> Turn:
        return cls(calls=[(tool, args)])

    @classmethod
    def fail(cls, status: int = 500, error: str = "the fake model failed") -> Turn:
        return cls(status=status, error=error)

    @classmethod
    def hang(cls, seconds: float) -> Turn:
        return cls(text="too late", delay=seconds)


Script = list[Turn | Callable[[dict[str, Any]], Turn]]


@dataclass
class FakeOpenAI:
    model: str = "fake-model"
    url: str = ""
    script: Script = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def then(self, *turns: Turn | Callable[[dict[str, Any]], Turn]) -> FakeOpenAI:
        self.script.extend(turns)
        return self

    # ---- what a test reads back ----------------------------------------------------------

    def tools_offered(self, index: int = -1) -> set[str]:
        return {t["function"]["name"] for t in self.requests[index].get("tools", [])}

    def messages(self, index: int = -1) -> list[dict[str, Any]]:
        return list(self.requests[index]["messages"])

    def text_seen(self, index: int = -1) -> str:
        out = []
        for m in self.messages(index):
            content = m.get("content")
            if isinstance(content, list):
                content = " ".join(str(c.get("text", "")) for c in content if isinstance(c, dict))
            out.append(str(content or ""))
            for call in m.get("tool_calls") or []:
                out.append(call["function"]["arguments"])
        return "\n".join(out)

    # ---- answering -------------------------------------------------------------------------

    def next_turn(self, body: dict[str, Any]) -> Turn:
        if self.script:
            turn = self.script.pop(0)
            return turn(body) if callable(turn) else turn
        last = body["messages"][-1]
        if last.get("role") == "tool":
            return Turn.say(f"Done: {str(last.get('content'))[:300]}")
        return Turn.say("I can help with leads, projects and invoices.")

    def completion(self, turn: Turn) -> dict[str, Any]:
        n = next(self._ids)
        message: dict[str, Any] = {"role": "assistant", "content": turn.text}
        if turn.calls:
            message["tool_calls"] = [
                {"id": f"call_{n}_{i}", "type": "function",
                 "function": {"name": name, "arguments": json.dumps(args)}}
                for i, (name, args) in enumerate(turn.calls)]
        return {"id": f"chatcmpl-fake{n}", "object": "chat.completion", "created": 1_700_000_000 + n,
                "model": self.model,
                "choices": [{"index": 0, "message": message, "logprobs": None,
                             "finish_reason": "tool_calls" if turn.calls else "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}


def create_fake_app(fake: FakeOpenAI) -> FastAPI:
    app = FastAPI(title="fake OpenAI-compatible server")

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": fake.model, "object": "model", "owned_by": "fake"}]}

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> JSONResponse:
        body = await request.json()
        fake.requests.append(body)
        turn = fake.next_turn(body)
        if turn.delay:
            await asyncio.sleep(turn.delay)
        if turn.status != 200:
            return JSONResponse({"error": {"message": turn.error, "type": "server_error", "code": None}},
                                status_code=turn.status)
        return JSONResponse(fake.completion(turn))

    return app


@asynccontextmanager
async def run_fake_openai(model: str = "fake-model", port: int | None = None) -> AsyncIterator[FakeOpenAI]:
    """Serve the fake on 127.0.0.1 (a free port unless given) in the running loop; its `url` ends in /v1."""
    fake = FakeOpenAI(model=model)
    async with serve_on_loopback(create_fake_app(fake), port=port) as base:
        fake.url = f"{base}/v1"
        yield fake
