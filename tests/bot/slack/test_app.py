"""How the Slack app is switched on: HTTP events, Socket Mode, or off."""

from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.slack.app import mount_slack, slack_enabled
from engine.config import Settings


def _settings(**kw):  # type: ignore[no-untyped-def]
    return Settings(_env_file=None, **kw)  # type: ignore[call-arg]


def test_slack_needs_a_token_and_a_secret_or_an_app_token():
    assert not slack_enabled(_settings())
    assert not slack_enabled(_settings(slack_signing_secret="s"))
    assert not slack_enabled(_settings(slack_bot_token="xoxb-1"))
    assert slack_enabled(_settings(slack_bot_token="xoxb-1", slack_signing_secret="s"))
    assert slack_enabled(_settings(slack_bot_token="xoxb-1", slack_app_token="xapp-1"))


def test_http_mode_mounts_the_events_route():
    api = FastAPI()
    assert mount_slack(api, _settings(slack_bot_token="xoxb-1", slack_signing_secret="s")) is not None
    # Mounted: an unsigned request reaches Bolt, which refuses it.
    assert TestClient(api).post("/slack/events", content=b"{}").status_code == 401


def test_socket_mode_only_has_no_http_route():
    api = FastAPI()
    bolt = mount_slack(api, _settings(slack_bot_token="xoxb-1", slack_app_token="xapp-1"))
    assert bolt is not None and api.state.slack_app is bolt
    assert TestClient(api).post("/slack/events", content=b"{}").status_code == 404
