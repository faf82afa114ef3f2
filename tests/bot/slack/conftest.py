"""Signed Slack requests to the real FastAPI app, answered through the fake Slack Web API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pydantic_ai.models
import pytest_asyncio

from engine.context import Services
from engine.team import add_team_member
from tests.conftest import ADMIN, op
from tests.helpers.slack import (
    OTHER_SALES,
    SALES_USER,
    VIEWER_USER,
    SlackDriver,
)

pydantic_ai.models.ALLOW_MODEL_REQUESTS = False


@pytest_asyncio.fixture
async def slack(slack_services: Services) -> AsyncIterator[SlackDriver]:
    from bot.app import create_app

    await op(slack_services, ADMIN, add_team_member, SALES_USER, "Sam Sales", "sales")
    await op(slack_services, ADMIN, add_team_member, OTHER_SALES, "Sue Sales", "sales")
    await op(slack_services, ADMIN, add_team_member, VIEWER_USER, "Vic Viewer", "viewer")
    app = create_app(services=slack_services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://grace.test") as client:
        yield SlackDriver(client)
