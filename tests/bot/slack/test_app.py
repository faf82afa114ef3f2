"""How the Slack app is switched on, in the app `grace serve` builds: HTTP events, Socket Mode, or off."""

import httpx
from slack_bolt.async_app import AsyncApp

from bot.app import create_app
from bot.slack.app import slack_enabled
from engine.config import Settings


def _settings(**kw):  # type: ignore[no-untyped-def]
    return Settings(_env_file=None, **kw)  # type: ignore[call-arg]


def test_slack_needs_a_token_and_a_secret_or_an_app_token():
    assert not slack_enabled(_settings())
    assert not slack_enabled(_settings(slack_signing_secret="s"))
    assert not slack_enabled(_settings(slack_bot_token="xoxb-1"))
    assert slack_enabled(_settings(slack_bot_token="xoxb-1", slack_signing_secret="s"))
    assert slack_enabled(_settings(slack_bot_token="xoxb-1", slack_app_token="xapp-1"))


async def _post(app, body: bytes = b"{}") -> int:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://grace.test") as c:
        return (await c.post("/slack/events", content=body)).status_code


async def test_http_mode_mounts_the_events_route(slack_services):
    app = create_app(services=slack_services)
    assert isinstance(app.state.slack_app, AsyncApp)
    assert await _post(app) == 401  # mounted: an unsigned request reaches Bolt, which refuses it


async def test_socket_mode_only_has_no_http_route(slack_services):
    socket = slack_services.settings.model_copy(update={"slack_signing_secret": "", "slack_app_token": "xapp-1"})
    app = create_app(settings=socket, services=slack_services)
    assert isinstance(app.state.slack_app, AsyncApp)
    assert await _post(app) == 404
