"""The error-rate alert sees the API's answers wherever the check runs: with Redis the counts are
shared by every process; without it they stay in the one process that served them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from bot.app import create_app
from bot.devtools.serving import free_port
from bot.services import build_services, close_services
from bot.worker import shutdown as worker_shutdown
from bot.worker import startup as worker_startup
from engine.actors import Actor
from engine.counters import HTTP_ANSWERS, HTTP_ERRORS, InProcessCounters, RedisCounters
from engine.monitoring.alerts import run_alert_checks
from tests.conftest import make_key, op
from tests.helpers.servers import wait_until_serving
from workers.jobs import check_alerts

SYSTEM = Actor.system("alerts")


async def _answers(settings: Any) -> Any:
    """An API process: 10 good answers, then 15 that fail (its table is gone), counted as it serves."""
    api_services = await build_services(settings)
    key = await make_key(api_services)
    transport = httpx.ASGITransport(app=create_app(services=api_services), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://grace.test",
                                 headers={"Authorization": f"Bearer {key}"}) as http:
        for _ in range(10):
            assert (await http.get("/api/fx/rates")).status_code == 200
        async with api_services.db.begin() as conn:
            await conn.execute(sa.text("DROP TABLE fx_rates"))
        for _ in range(15):
            assert (await http.get("/api/fx/rates")).status_code == 500
    return api_services


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_worker_sees_the_api_s_errors_through_redis(settings: Any, redis_url: str) -> None:
    shared = settings.model_copy(update={"redis_url": redis_url})
    api_services = await _answers(shared)
    try:
        assert isinstance(api_services.counters, RedisCounters)
        await api_services.counters.flush()  # what the server's flusher does every 5 s
        worker_services = await build_services(shared)  # another process's wiring: its own, empty, buffer
        try:
            assert await worker_services.counters.window(HTTP_ANSWERS, 300) == 25  # type: ignore[union-attr]
            assert await worker_services.counters.window(HTTP_ERRORS, 300) == 15  # type: ignore[union-attr]
            run = await op(worker_services, SYSTEM, run_alert_checks)
            assert "error_rate" in run.opened
        finally:
            await close_services(worker_services)
    finally:
        await close_services(api_services)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_without_redis_the_counts_stay_in_the_serving_process(settings: Any) -> None:
    api_services = await _answers(settings)
    try:
        assert isinstance(api_services.counters, InProcessCounters)
        assert await api_services.counters.window(HTTP_ERRORS, 300) == 15
        assert "error_rate" in (await op(api_services, SYSTEM, run_alert_checks)).opened
        other = await build_services(settings)
        try:
            assert await other.counters.window(HTTP_ANSWERS, 300) == 0  # type: ignore[union-attr]
        finally:
            await close_services(other)
    finally:
        await close_services(api_services)


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_a_grace_serve_process_s_errors_open_the_alert_in_the_worker_s_check(
        services: Any, settings: Any, redis_url: str, tmp_path: Path) -> None:
    """Two processes: `grace serve` answers (and fails) requests; this process, wired as `grace worker`
    wires itself (bot.worker.startup), runs the worker's `check_alerts` job and sees those answers."""
    shared = settings.model_copy(update={"redis_url": redis_url})
    key = await make_key(services)
    port = free_port()
    env = {**os.environ, "GRACE_DATABASE_URL": shared.database_url, "GRACE_REDIS_URL": redis_url,
           "GRACE_DATA_DIR": str(shared.data_dir), "GRACE_SECRET_KEY": "shared", "GRACE_LOG_LEVEL": "WARNING",
           "GRACE_LOG_JSON": "true"}  # console tracebacks with locals take seconds each to render
    grace = Path(sys.executable).with_name("grace")  # the command as installed
    with open(tmp_path / "serve.log", "wb") as log:  # a file, not a pipe: 15 tracebacks would fill a pipe
        server = subprocess.Popen([str(grace), "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
        worker_ctx: dict[str, Any] = {"settings": shared}
        try:
            url = f"http://127.0.0.1:{port}"
            await wait_until_serving(url, server, lambda: (tmp_path / "serve.log").read_text(errors="replace"))
            async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {key}"}) as http:
                for _ in range(10):
                    assert (await http.get("/api/fx/rates")).status_code == 200
                async with services.db.begin() as conn:
                    await conn.execute(sa.text("DROP TABLE fx_rates"))
                for _ in range(15):
                    assert (await http.get("/api/fx/rates")).status_code == 500
            await worker_startup(worker_ctx)
            counters = worker_ctx["services"].counters
            assert isinstance(counters, RedisCounters)
            # The server writes its counts every 5 s: wait for them (not a timing assertion, a bound).
            for _ in range(600):
                if await counters.window(HTTP_ERRORS, 300) == 15:
                    break
                await asyncio.sleep(0.1)
            assert await counters.window(HTTP_ERRORS, 300) == 15
            assert await counters.window(HTTP_ANSWERS, 300) == 25
            result = await check_alerts(worker_ctx)
            assert "error_rate" in result["opened"], result
        finally:
            await worker_shutdown(worker_ctx)
            server.terminate()
            server.wait(10)


