"""Shared fixtures.

Every test that asks for `services` runs twice: on SQLite and on PostgreSQL. Each
test gets its own database, cloned from a migrated template (PostgreSQL
`CREATE DATABASE .. TEMPLATE`, a file copy for SQLite), so tests commit for real,
run concurrently inside themselves, and never see each other's rows.

Outside CI an unreachable PostgreSQL or Redis skips the tests that need it; with
CI=true it fails them.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from bot.devtools.serving import serve_on_loopback
from engine.actors import Actor, Role
from engine.config import Settings
from engine.context import Services, unit_of_work

PG_HOST = os.environ.get("GRACE_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("GRACE_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("GRACE_TEST_PG_USER", "postgres")
REDIS_URL = os.environ.get("GRACE_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
RUN_ID = uuid.uuid4().hex[:8]


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need(service: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    msg = f"{service} is not reachable on {host}:{port}"
    if IN_CI:
        pytest.fail(msg + " (CI=true: a missing service is a failure)")
    pytest.skip(msg)


def pg_url(db: str) -> str:
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{db}"


def in_thread(fn: Any, *args: Any) -> Any:
    """Run blocking set-up (which may start its own event loop) off the test loop's thread."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result()


def _pg_admin(sql: str) -> None:
    import asyncpg

    async def go() -> None:
        conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    in_thread(asyncio.run, go())


class Templates:
    """Migrated template databases, made once per test run."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.sqlite: Path | None = None
        self.pg: str | None = None

    def sqlite_template(self) -> Path:
        if self.sqlite is None:
            from storage.migrate import upgrade

            path = self.tmp / "template.db"
            in_thread(upgrade, f"sqlite+aiosqlite:///{path}")
            self.sqlite = path
        return self.sqlite

    def pg_template(self) -> str:
        if self.pg is None:
            from storage.migrate import upgrade

            name = f"grace_tmpl_{RUN_ID}"
            _pg_admin(f'CREATE DATABASE "{name}"')
            in_thread(upgrade, pg_url(name))
            self.pg = name
        return self.pg


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    t = Templates(tmp_path_factory.mktemp("db"))
    yield t
    if t.pg:
        _pg_admin(f'DROP DATABASE IF EXISTS "{t.pg}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, templates: Templates, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for this test."""
    if backend == "sqlite":
        path = tmp_path / "grace.db"
        shutil.copy(templates.sqlite_template(), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    need("PostgreSQL", PG_HOST, PG_PORT)
    template = templates.pg_template()
    name = f"grace_t_{RUN_ID}_{uuid.uuid4().hex[:10]}"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield pg_url(name)
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, data_dir=tmp_path / "data", redis_url="", secret_key="test-secret-key",
                    _env_file=None)  # type: ignore[call-arg]


@pytest_asyncio.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    from bot.services import build_services, close_services

    s = await build_services(settings)
    yield s
    await close_services(s)


@pytest.fixture(scope="session")
def _redis_emptied() -> None:
    """The test database is emptied once per run: arq's job keys (`arq:job:build:1`) are global, not per
    queue, and ids repeat across test databases, so a key left by an interrupted run would make a new
    run's enqueue a silent no-op."""
    import redis

    need("Redis", "127.0.0.1", 6379)
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    finally:
        client.close()


@pytest.fixture
def redis_url(_redis_emptied: None) -> str:
    need("Redis", "127.0.0.1", 6379)
    return REDIS_URL


ADMIN = Actor(kind="test", ref="admin", role=Role.ADMIN, name="Test Admin")
SALES = Actor(kind="test", ref="sales", role=Role.SALES, name="Test Sales")
VIEWER = Actor(kind="test", ref="viewer", role=Role.VIEWER, name="Test Viewer")


async def op(services: Services, actor: Actor, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one engine operation in its own unit of work, as an edge would."""
    async with unit_of_work(services, actor) as ctx:
        return await fn(ctx, *args, **kwargs)


_counter = 0


def lead_data(**overrides: Any) -> dict[str, Any]:
    """A valid lead payload with a unique e-mail."""
    global _counter
    _counter += 1
    data: dict[str, Any] = {
        "source": "website", "name": f"Ada Lovelace {_counter}", "email": f"ada{_counter}.{uuid.uuid4().hex[:6]}@example.com",
        "company": "Analytical Engines Ltd", "industry": "software", "budget": "12000",
        "requirements": "A chatbot for customer support with CRM integration", "timeline": "2 months",
        "project_type": "chatbot", "country": "United Kingdom",
    }
    data.update(overrides)
    return data


async def make_key(services: Services, role: str = "admin", name: str = "tests") -> str:
    from engine.team import create_api_key

    new = await op(services, ADMIN, create_api_key, name, role)
    return str(new.key)


@pytest_asyncio.fixture
async def api(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The real FastAPI app in-process, authenticated as an admin."""
    from bot.app import create_app

    app = create_app(services=services)
    key = await make_key(services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://grace.test",
                                 headers={"Authorization": f"Bearer {key}"}) as client:
        yield client




@pytest_asyncio.fixture
async def live_server(services: Services) -> AsyncIterator[str]:
    """The app served by a real uvicorn on a loopback port; yields its base URL."""
    from bot.app import create_app

    async with serve_on_loopback(create_app(services=services), lifespan="on") as url:
        yield url


@pytest_asyncio.fixture
async def fake_slack() -> AsyncIterator[Any]:
    """A fake Slack Web API served on loopback; `fake_slack.url` is its base URL (ends in /api/)."""
    from tests.fakes.slack import FakeSlack

    fake = FakeSlack()
    async with serve_on_loopback(fake.app()) as url:
        fake.url = url + "/api/"
        yield fake


SLACK_SIGNING_SECRET = "test-signing-secret"


@pytest.fixture
def slack_settings(settings: Settings, fake_slack: Any) -> Settings:
    """Settings with Slack on, pointed at the fake Slack API."""
    return settings.model_copy(update={
        "slack_bot_token": "xoxb-test-token", "slack_signing_secret": SLACK_SIGNING_SECRET,
        "slack_api_url": fake_slack.url, "alerts_channel": "C0ALERTS", "approvals_channel": "C0APPROVE",
        "leads_channel": "C0LEADS",
    })


@pytest_asyncio.fixture
async def slack_services(slack_settings: Settings) -> AsyncIterator[Services]:
    """Services with the Slack notifier talking to the fake Slack API."""
    from bot.services import build_services, close_services

    s = await build_services(slack_settings)
    yield s
    await close_services(s)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest_asyncio.fixture
async def browser() -> AsyncIterator[Any]:
    """Debian's Chromium driven by Playwright (headless). Skipped without Chromium, failed in CI."""
    if not os.path.exists(CHROMIUM):
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing (CI=true: browser tests must run)")
        pytest.skip(f"{CHROMIUM} is missing")
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        await b.close()
