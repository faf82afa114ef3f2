"""manifest.yml lists exactly the scopes the code needs (its events, commands and interactivity are
checked against the served app in test_completeness.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.slack.app import COMMAND_SCOPE, EVENT_SCOPES, METHOD_SCOPES
from tests.helpers.slack_surfaces import matched_by

MANIFEST = yaml.safe_load((Path(__file__).parents[3] / "manifest.yml").read_text())


@pytest.fixture
def bolt(slack_services: Any) -> Any:
    """The Bolt app the served FastAPI app mounts."""
    from bot.app import create_app

    return create_app(services=slack_services).state.slack_app


async def test_scopes_are_exactly_those_the_code_needs(bolt):
    answered = set().union(*(hits for _, hits in await matched_by(bolt)))
    needed = {EVENT_SCOPES[h.removeprefix("event:")] for h in answered if h.startswith("event:")}
    needed |= set(METHOD_SCOPES.values())
    if any(h.startswith("command:") for h in answered):
        needed.add(COMMAND_SCOPE)
    needed.discard(None)
    assert needed == set(MANIFEST["oauth_config"]["scopes"]["bot"])


async def test_every_web_api_method_called_is_declared(slack, slack_services, fake_slack):
    """After a conversation with buttons, a command and the Home tab, every method Slack saw is declared."""
    from tests.helpers.slack import mention, next_ts

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
