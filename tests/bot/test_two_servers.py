"""Two `grace serve` processes sharing PostgreSQL and Redis: a WebSocket client on the first sees
an event caused through the second."""

import asyncio
import json
import os
import subprocess
import sys

import httpx
import pytest

from bot.devtools.serving import free_port
from tests.conftest import lead_data, make_key
from tests.helpers.servers import wait_until_serving


def _serve(settings, port):
    env = {**os.environ, "GRACE_DATABASE_URL": settings.database_url, "GRACE_REDIS_URL": settings.redis_url,
           "GRACE_DATA_DIR": str(settings.data_dir), "GRACE_SECRET_KEY": "shared", "GRACE_LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "-m", "bot.cli.main", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_event_through_one_server_reaches_a_websocket_on_the_other(services, settings, redis_url):
    import websockets

    settings = settings.model_copy(update={"redis_url": redis_url})
    key = await make_key(services, role="sales")
    ports = [free_port(), free_port()]
    procs = [_serve(settings, p) for p in ports]
    try:
        urls = [f"http://127.0.0.1:{p}" for p in ports]
        for url, proc in zip(urls, procs, strict=True):
            await wait_until_serving(url, proc, lambda p=proc: p.stderr.read().decode())
        async with websockets.connect(f"ws://127.0.0.1:{ports[0]}/ws?key={key}") as ws:
            assert json.loads(await ws.recv())["type"] == "hello"
            async with httpx.AsyncClient(base_url=urls[1], headers={"Authorization": f"Bearer {key}"}) as http:
                r = await http.post("/api/business/leads", json=lead_data())
            assert r.status_code == 201
            while True:
                event = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if event["type"] == "lead.captured":
                    break
            assert event["data"]["lead_id"] == r.json()["lead_id"]
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)
