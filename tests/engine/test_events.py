"""Events: two API processes behind Redis both see every event."""

import asyncio

import httpx
import pytest

from bot.services import build_services, close_services
from tests.conftest import lead_data, make_key


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_two_instances_share_events_through_redis(settings, redis_url):
    a = await build_services(settings.model_copy(update={"redis_url": redis_url}))
    b = await build_services(settings.model_copy(update={"redis_url": redis_url}))
    try:
        stream = a.events.subscribe()
        got = asyncio.ensure_future(stream.__anext__())
        await asyncio.sleep(0.05)
        from bot.app import create_app

        key = await make_key(b, role="sales")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(services=b)),
                                     base_url="http://b", headers={"Authorization": f"Bearer {key}"}) as http:
            r = await http.post("/api/business/leads", json=lead_data())
        assert r.status_code == 201

        async def ours():
            # The Redis channel is shared: skip events of anyone else using this Redis meanwhile.
            event = await got
            while not (event["type"] == "lead.captured" and event["data"]["lead_id"] == r.json()["lead_id"]
                       and event["data"]["client_id"] == r.json()["client_id"]):
                event = await stream.__anext__()
            return event

        event = await asyncio.wait_for(ours(), 10)
        assert event["data"]["source"] == "website"
        await stream.aclose()
    finally:
        await close_services(a)
        await close_services(b)


async def test_websocket_streams_events(services, live_server):
    import websockets

    key = await make_key(services, role="sales")
    ws_url = live_server.replace("http", "ws") + "/ws"
    with pytest.raises(websockets.exceptions.InvalidStatus):
        async with websockets.connect(ws_url + "?key=wrong") as ws:
            await ws.recv()
    async with websockets.connect(f"{ws_url}?key={key}") as ws:
        import json

        assert json.loads(await ws.recv())["type"] == "hello"
        async with httpx.AsyncClient(base_url=live_server, headers={"Authorization": f"Bearer {key}"}) as http:
            r = await http.post("/api/business/leads", json=lead_data())
        event = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert event["type"] == "lead.captured" and event["data"]["lead_id"] == r.json()["lead_id"]
