"""Signed Slack requests to the real FastAPI app, answered through the fake Slack Web API."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pydantic_ai.models
import pytest_asyncio
from slack_sdk.signature import SignatureVerifier

from engine.context import Services
from engine.team import add_team_member
from tests.conftest import ADMIN, SLACK_SIGNING_SECRET, op
from tests.fakes.slack import BOT_USER, TEAM

pydantic_ai.models.ALLOW_MODEL_REQUESTS = False

SALES_USER = "U0SALES"
OTHER_SALES = "U0SALES2"
VIEWER_USER = "U0VIEWER"
_ids = itertools.count(1)


def sign(body: bytes, timestamp: int | None = None, secret: str = SLACK_SIGNING_SECRET) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    sig = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}


def event_body(event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    return {"token": "legacy", "team_id": TEAM, "api_app_id": "A0GRACE", "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):08d}", "event_time": int(time.time()), "event": event,
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}]}


def next_ts() -> str:
    return f"1700001000.{next(_ids):06d}"


def mention(text: str, user: str = SALES_USER, channel: str = "C0LEADS", thread_ts: str | None = None,
            ts: str | None = None) -> dict[str, Any]:
    ev = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER}> {text}", "ts": ts or next_ts(),
          "channel": channel, "event_ts": ts or next_ts()}
    if thread_ts:
        ev["thread_ts"] = thread_ts
    return ev


class SlackDriver:
    """Sends requests exactly as Slack signs them."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def post_json(self, body: dict[str, Any], headers: dict[str, str] | None = None,
                        timestamp: int | None = None) -> httpx.Response:
        raw = json.dumps(body).encode()
        h = {"Content-Type": "application/json", **sign(raw, timestamp), **(headers or {})}
        return await self.client.post("/slack/events", content=raw, headers=h)

    async def event(self, event: dict[str, Any], event_id: str | None = None,
                    headers: dict[str, str] | None = None) -> httpx.Response:
        return await self.post_json(event_body(event, event_id), headers)

    async def form(self, fields: dict[str, str]) -> httpx.Response:
        raw = urlencode(fields).encode()
        h = {"Content-Type": "application/x-www-form-urlencoded", **sign(raw)}
        return await self.client.post("/slack/events", content=raw, headers=h)

    async def command(self, text: str, user: str = SALES_USER, channel: str = "C0LEADS") -> httpx.Response:
        return await self.form({"token": "legacy", "team_id": TEAM, "channel_id": channel, "user_id": user,
                                "command": "/grace", "text": text, "response_url": "https://hooks.invalid/x",
                                "trigger_id": f"trig.{next(_ids)}", "api_app_id": "A0GRACE"})

    async def click(self, button: dict[str, Any], user: str, channel: str, message_ts: str,
                    thread_ts: str | None, blocks: list[dict[str, Any]]) -> httpx.Response:
        payload = {
            "type": "block_actions", "team": {"id": TEAM}, "user": {"id": user}, "api_app_id": "A0GRACE",
            "token": "legacy", "trigger_id": f"trig.{next(_ids)}",
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "thread_ts": thread_ts},
            "channel": {"id": channel}, "message": {"ts": message_ts, "thread_ts": thread_ts, "blocks": blocks},
            "actions": [{"action_id": button["action_id"], "block_id": "b", "value": button["value"],
                         "type": "button", "action_ts": str(time.time())}],
        }
        return await self.form({"payload": json.dumps(payload)})


@pytest_asyncio.fixture
async def slack(slack_services: Services) -> AsyncIterator[SlackDriver]:
    from bot.app import create_app

    await op(slack_services, ADMIN, add_team_member, SALES_USER, "Sam Sales", "sales")
    await op(slack_services, ADMIN, add_team_member, OTHER_SALES, "Sue Sales", "sales")
    await op(slack_services, ADMIN, add_team_member, VIEWER_USER, "Vic Viewer", "viewer")
    app = create_app(services=slack_services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://grace.test") as client:
        yield SlackDriver(client)
