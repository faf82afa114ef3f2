"""Signed interactive requests, as Slack sends them, to the app `grace serve` builds (`bot.app.create_app`)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from tests.conftest import SLACK_SIGNING_SECRET


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
