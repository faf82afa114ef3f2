"""Every button Grace can show has a listener in the app `build_slack_app` builds (the one `grace serve`
mounts), every listener belongs to a surface or to the manifest, and manifest.yml declares exactly
the commands, events and interactivity of that same app.

The surfaces come from tests/bot/slack/surfaces.py, which must draw every builder of
`bot.slack.blocks`; so a new button on a new or old surface cannot slip past.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import yaml
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.slack.app import build_slack_app
from bot.slack.ids import COMMAND, ActionId
from engine.context import Services
from tests.bot.slack.surfaces import action_ids, render_all
from tests.fakes.slack import TEAM

MANIFEST = yaml.safe_load((Path(__file__).parents[3] / "manifest.yml").read_text())
BOT_EVENTS = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
COMMANDS = {c["command"] for c in MANIFEST["features"]["slash_commands"]}


def surface_action_ids() -> dict[str, set[str]]:
    """action_id -> the surfaces that show it."""
    shown, unrendered = render_all("Ada Lovelace")
    assert not unrendered, f"builders no surface in tests/bot/slack/surfaces.py draws: {sorted(unrendered)}"
    out: dict[str, set[str]] = {}
    for name, blocks in shown.items():
        for aid in action_ids(blocks):
            out.setdefault(aid, set()).add(name)
    return out


def action_request(action_id: str) -> dict[str, Any]:
    return {"type": "block_actions", "team": {"id": TEAM}, "user": {"id": "U0SALES"}, "api_app_id": "A0GRACE",
            "trigger_id": "trig.1", "container": {"type": "message", "message_ts": "1.1", "channel_id": "C0LEADS"},
            "channel": {"id": "C0LEADS"}, "message": {"ts": "1.1", "blocks": []},
            "actions": [{"action_id": action_id, "block_id": "b", "value": "{}", "type": "button",
                         "action_ts": "1.2"}]}


def event_request(manifest_event: str) -> dict[str, Any]:
    """An Events API body for a manifest event name (`message.im` is a `message` in an IM)."""
    kind, _, channel_type = manifest_event.partition(".")
    event = {"type": kind, "user": "U0SALES", "text": "hi", "ts": "1.1", "channel": "D0IM", "event_ts": "1.1"}
    if channel_type:
        event["channel_type"] = channel_type
    return {"type": "event_callback", "team_id": TEAM, "api_app_id": "A0GRACE", "event_id": "Ev1", "event": event}


def command_request(command: str) -> str:
    return urlencode({"command": command, "text": "help", "team_id": TEAM, "channel_id": "C0LEADS",
                      "user_id": "U0SALES", "trigger_id": "trig.1"})


async def matched_by(app: AsyncApp) -> list[tuple[Any, set[str]]]:
    """Each listener of the app with what it answers, among every action, event and command we know of."""
    candidates: dict[str, AsyncBoltRequest] = {}
    for aid in set(surface_action_ids()) | {a.value for a in ActionId}:
        candidates[f"action:{aid}"] = AsyncBoltRequest(body=urlencode({"payload": json.dumps(action_request(aid))}),
                                                       headers={"content-type": "application/x-www-form-urlencoded"})
    for ev in BOT_EVENTS:
        candidates[f"event:{ev}"] = AsyncBoltRequest(body=json.dumps(event_request(ev)),
                                                     headers={"content-type": "application/json"})
    for cmd in COMMANDS | {COMMAND}:
        candidates[f"command:{cmd}"] = AsyncBoltRequest(body=command_request(cmd),
                                                        headers={"content-type": "application/x-www-form-urlencoded"})
    out = []
    # Bolt keeps its listeners in a private list; reading it is the only way to ask what an app answers.
    for listener in app._async_listeners:
        hits = {name for name, req in candidates.items()
                if await listener.async_matches(req=req, resp=BoltResponse(status=404))}
        out.append((listener, hits))
    return out


@pytest.fixture(params=["served", "socket mode"])
def bolt(request: Any, slack_settings: Any, slack_services: Services) -> AsyncApp:
    """The Bolt app `grace serve` mounts on /slack/events, and the one Socket Mode connects."""
    from bot.app import create_app

    if request.param == "served":
        app = create_app(services=slack_services).state.slack_app
    else:
        socket = slack_settings.model_copy(update={"slack_signing_secret": "", "slack_app_token": "xapp-test"})
        app = build_slack_app(socket, lambda: slack_services)
    assert isinstance(app, AsyncApp)
    return app


def test_every_action_id_of_the_enum_is_on_a_surface():
    shown = surface_action_ids()
    assert {a.value for a in ActionId} <= set(shown), {a.value for a in ActionId} - set(shown)


async def test_every_button_on_every_surface_has_a_listener(bolt):
    answered = set().union(*(hits for _, hits in await matched_by(bolt)))
    missing = {aid: sorted(where) for aid, where in surface_action_ids().items() if f"action:{aid}" not in answered}
    assert not missing, f"buttons without a listener in build_slack_app's app: {missing}"


async def test_every_listener_belongs_to_a_surface_or_the_manifest(bolt):
    orphans = [getattr(listener.ack_function, "__qualname__", repr(listener))
               for listener, hits in await matched_by(bolt) if not hits]
    assert not orphans, f"listeners for nothing Grace shows or subscribes to: {orphans}"


async def test_manifest_declares_exactly_what_the_app_answers(bolt):
    answered = set().union(*(hits for _, hits in await matched_by(bolt)))
    assert {h.removeprefix("event:") for h in answered if h.startswith("event:")} == BOT_EVENTS
    assert {h.removeprefix("command:") for h in answered if h.startswith("command:")} == COMMANDS == {COMMAND}
    has_actions = any(h.startswith("action:") for h in answered)
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is has_actions is True
    for url in (MANIFEST["settings"]["interactivity"]["request_url"],
                MANIFEST["settings"]["event_subscriptions"]["request_url"],
                *(c["url"] for c in MANIFEST["features"]["slash_commands"])):
        assert url.endswith("/slack/events")
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is ("event:app_home_opened" in answered)
    assert MANIFEST["features"]["app_home"]["messages_tab_enabled"] is ("event:message.im" in answered)


async def test_every_button_click_is_answered_by_the_served_app(slack, fake_slack):
    """Signed clicks on each button, through the app `grace serve` builds: 200, never Bolt's 404."""
    for aid in sorted(surface_action_ids()):
        r = await slack.click({"action_id": aid, "value": "{}"}, "U0SALES", "C0LEADS", "1.1", None, [])
        assert r.status_code == 200, (aid, r.status_code, r.text)
    r = await slack.click({"action_id": "grace_no_such_button", "value": "{}"}, "U0SALES", "C0LEADS", "1.1", None, [])
    assert r.status_code == 404  # the check above can fail


async def test_the_served_app_refuses_unsigned_clicks(slack_services):
    from bot.app import create_app

    app = create_app(services=slack_services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://grace.test") as c:
        body = urlencode({"payload": json.dumps(action_request(ActionId.VOTE_APPROVE.value))})
        r = await c.post("/slack/events", content=body, headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 401
