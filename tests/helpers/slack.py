"""Slack as the tests speak it: signed events, commands and clicks, as Slack sends them, to the app
`grace serve` builds (`bot.app.create_app`), and the replies read back from the fake Web API."""

from __future__ import annotations

import itertools
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from tests.conftest import SLACK_SIGNING_SECRET
from tests.fakes.slack import BOT_USER, TEAM


def block_action(user: str, action_id: str, value: str, channel: str = "C0APPROVE",
                 message_ts: str = "1700000000.000001") -> dict[str, Any]:
    return {
        "type": "block_actions", "team": {"id": "T0GRACE", "domain": "grace-test"},
        "user": {"id": user, "username": user.lower(), "team_id": "T0GRACE"},
        "api_app_id": "A0GRACE", "token": "legacy", "trigger_id": f"1.{uuid.uuid4().int % 10**8}.x",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False},
        "channel": {"id": channel, "name": "approvals"},
        "message": {"type": "message", "ts": message_ts, "text": "vote"},
        "response_url": "http://127.0.0.1:9/response",
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value,
                     "action_ts": str(time.time())}],
    }


async def post_signed(client: httpx.AsyncClient, payload: dict[str, Any],
                      secret: str = SLACK_SIGNING_SECRET) -> httpx.Response:
    body = urlencode({"payload": json.dumps(payload)})
    ts = str(int(time.time()))
    sig = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return await client.post("/slack/events", content=body, headers={
        "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": ts,
        "x-slack-signature": sig})


def button_value(blocks: list[dict[str, Any]], action_id: str) -> str | None:
    for b in blocks:
        if b.get("type") == "actions":
            for e in b["elements"]:
                if e.get("action_id") == action_id:
                    return str(e["value"])
    return None


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


def replies(fake_slack, thread_ts: str) -> list:
    return [c for c in fake_slack.of("chat.postMessage") if c.params.get("thread_ts") == thread_ts]


async def wait_replies(fake_slack, thread_ts: str, n: int = 1) -> list:
    for _ in range(500):
        got = replies(fake_slack, thread_ts)
        if len(got) >= n:
            return got
        await fake_slack.wait_for("chat.postMessage", len(fake_slack.of("chat.postMessage")) + 1, timeout=10)
    raise AssertionError(f"no {n} replies in thread {thread_ts}")


def buttons(call) -> dict[str, dict]:
    for block in call.params["blocks"]:
        if block["type"] == "actions":
            return {e["text"]["text"]: e for e in block["elements"]}
    raise AssertionError("no buttons in the message")
