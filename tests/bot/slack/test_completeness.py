"""Every button Grace can show has a listener in the app `build_slack_app` builds (the one `grace serve`
mounts), every listener belongs to a surface or to the manifest, and manifest.yml declares exactly
the commands, events and interactivity of that same app.

The surfaces come from tests/helpers/slack_surfaces.py, which must draw every builder of
`bot.slack.blocks`; so a new button on a new or old surface cannot slip past.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from slack_bolt.async_app import AsyncApp

from bot.slack.app import build_slack_app
from bot.slack.ids import COMMAND, ActionId
from engine.context import Services
from tests.helpers.slack_surfaces import (
    BOT_EVENTS,
    COMMANDS,
    MANIFEST,
    action_request,
    matched_by,
    surface_action_ids,
)


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
