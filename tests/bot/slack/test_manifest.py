"""manifest.yml lists exactly the events, command, scopes and interactivity the code uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.slack import actions, commands, events, views
from bot.slack.app import COMMAND_SCOPE, EVENT_SCOPES, METHOD_SCOPES
from bot.slack.ids import EVENT_MANIFEST_NAMES, ActionId

MANIFEST = yaml.safe_load((Path(__file__).parents[3] / "manifest.yml").read_text())


class Recorder:
    """Stands in for the Bolt app and records what the code registers."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.commands: list[str] = []
        self.actions: list[str] = []

    def _rec(self, into: list[str], name: Any):  # type: ignore[no-untyped-def]
        into.append(name)
        return lambda fn: fn

    def event(self, name: str):  # type: ignore[no-untyped-def]
        return self._rec(self.events, name)

    def command(self, name: str):  # type: ignore[no-untyped-def]
        return self._rec(self.commands, name)

    def action(self, name: str):  # type: ignore[no-untyped-def]
        return self._rec(self.actions, name)


def registered() -> Recorder:
    r = Recorder()
    for module in (events, commands, actions, views):
        module.register(r)  # type: ignore[arg-type]
    return r


def test_events_match_both_ways():
    code = {EVENT_MANIFEST_NAMES[e] for e in registered().events}
    assert code == set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])


def test_commands_match_both_ways():
    assert set(registered().commands) == {c["command"] for c in MANIFEST["features"]["slash_commands"]}


def test_scopes_are_exactly_those_the_code_needs():
    r = registered()
    needed = {EVENT_SCOPES[EVENT_MANIFEST_NAMES[e]] for e in r.events}
    needed |= {s for s in METHOD_SCOPES.values()}
    if r.commands:
        needed.add(COMMAND_SCOPE)
    needed.discard(None)
    assert needed == set(MANIFEST["oauth_config"]["scopes"]["bot"])


def test_interactivity_is_on_exactly_when_buttons_are_handled():
    r = registered()
    assert set(r.actions) == {a.value for a in ActionId}
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is bool(r.actions)
    for url in (MANIFEST["settings"]["interactivity"]["request_url"],
                MANIFEST["settings"]["event_subscriptions"]["request_url"],
                *(c["url"] for c in MANIFEST["features"]["slash_commands"])):
        assert url.endswith("/slack/events")


def test_home_tab_is_enabled_because_we_publish_it():
    assert "app_home_opened" in registered().events
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True
    assert MANIFEST["features"]["app_home"]["messages_tab_enabled"] is True  # message.im


async def test_every_web_api_method_called_is_declared(slack, slack_services, fake_slack):
    """After a conversation with buttons, a command and the Home tab, every method Slack saw is declared."""
    from tests.bot.slack.conftest import mention, next_ts

    root = next_ts()
    await slack.event(mention("new lead: Ada Lovelace ada@example.com", ts=root))
    await fake_slack.wait_for("chat.postMessage", 1)
    await slack.event({"type": "app_home_opened", "user": "U0SALES", "channel": "D1", "tab": "home",
                       "event_ts": next_ts()})
    await fake_slack.wait_for("views.publish", 1)
    await slack_services.queue.join()
    assert {c.method for c in fake_slack.calls} <= set(METHOD_SCOPES)


async def test_slack_is_off_without_credentials(services, caplog):
    import httpx

    from bot.app import create_app

    half = services.settings.model_copy(update={"slack_bot_token": "xoxb-1", "slack_signing_secret": ""})
    with caplog.at_level("INFO", logger="grace.slack"):
        create_app(settings=half, services=services)
    assert "Slack is off" in caplog.text and "SLACK_SIGNING_SECRET" in caplog.text
    app = create_app(services=services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://grace.test") as c:
        assert (await c.post("/slack/events", content=b"{}")).status_code == 404
