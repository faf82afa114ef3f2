"""Time to Slack's HTTP answer: 200 concurrent signed app_mention events.

Our app (the real FastAPI + Bolt app, SQLite, in-process queue, agent running after
the ack, replies going to a fake Slack API) against, in the same run, a bare Bolt app
whose listener only acks. Each app runs in its own uvicorn process; this process is
the client. The figure is the ratio of p99s. Last line: one JSON object.

    .venv/bin/python bench/slack_ack.py [--n 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from fastapi import Request
from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "bench-signing-secret"
BOT_USER = "UGRACEBOT"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(kind: str, port: int, slack_url: str, data: str) -> None:
    """Child process: serve one of the two apps."""
    import uvicorn
    from fastapi import FastAPI
    from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
    from slack_bolt.async_app import AsyncApp

    from bot.slack.client import build_client
    from engine.config import Settings

    settings = Settings(database_url=f"sqlite+aiosqlite:///{data}/grace.db", data_dir=Path(data), redis_url="",
                        slack_bot_token="xoxb-bench", slack_signing_secret=SECRET, slack_api_url=slack_url,
                        secret_key="bench", log_level="WARNING", _env_file=None)  # type: ignore[call-arg]
    if kind == "ours":
        from bot.app import create_app
        from storage.migrate import upgrade

        upgrade(settings.resolved_database_url)
        app = create_app(settings)
    else:
        bolt = AsyncApp(client=build_client(settings), signing_secret=SECRET)

        @bolt.event("app_mention")
        async def only_ack() -> None:
            return None

        handler = AsyncSlackRequestHandler(bolt)
        app = FastAPI()

        @app.post("/slack/events")
        async def events(request: Request):  # type: ignore[no-untyped-def]
            return await handler.handle(request)

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", backlog=4096)


def signed(i: int, run: str) -> tuple[bytes, dict[str, str]]:
    ts = f"1700100000.{i:06d}"
    body = json.dumps({
        "token": "x", "team_id": "T0GRACE", "api_app_id": "A0GRACE", "type": "event_callback",
        "event_id": f"Ev{run}{i:06d}", "event_time": int(time.time()),
        "authorizations": [{"team_id": "T0GRACE", "user_id": BOT_USER, "is_bot": True}],
        "event": {"type": "app_mention", "user": "U0BENCH", "channel": "C0BENCH", "ts": ts, "event_ts": ts,
                  "text": f"<@{BOT_USER}> new lead: Person Number{i} p{i}.{run}@example.com, budget $12k"},
    }).encode()
    now = str(int(time.time()))
    return body, {"Content-Type": "application/json", "X-Slack-Request-Timestamp": now,
                  "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=now, body=body)}


async def wait_up(url: str) -> None:
    async with httpx.AsyncClient() as c:
        for _ in range(300):
            try:
                await c.post(url, content=b"{}")
                return
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


async def burst(url: str, n: int, run: str) -> list[float]:
    import aiohttp  # a lighter client than httpx, so the figure is mostly the server's

    requests = [signed(i, run) for i in range(n)]
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=n)) as client:
        for i in range(3):  # warm-up: first auth.test, connection pools
            body, headers = signed(900000 + i, run + "w")
            async with client.post(url, data=body, headers=headers) as r:
                await r.read()
        await asyncio.sleep(0.5)

        async def one(body: bytes, headers: dict[str, str]) -> float:
            t0 = time.perf_counter()
            async with client.post(url, data=body, headers=headers) as r:
                await r.read()
                elapsed = (time.perf_counter() - t0) * 1000
                if r.status != 200:
                    raise RuntimeError(f"HTTP {r.status}")
            return elapsed

        return list(await asyncio.gather(*(one(b, h) for b, h in requests)))


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else values[0]


async def main(n: int) -> dict[str, float]:
    import uvicorn

    from tests.fakes.slack import FakeSlack

    fake = FakeSlack()
    slack_port = free_port()
    fake_server = uvicorn.Server(uvicorn.Config(fake.app(), host="127.0.0.1", port=slack_port, log_level="warning"))
    fake_task = asyncio.create_task(fake_server.serve())
    slack_url = f"http://127.0.0.1:{slack_port}/api/"
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("baseline", "ours"):
            port = free_port()
            data = os.path.join(tmp, kind)
            os.makedirs(data)
            proc = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--port", str(port),
                                     "--slack-url", slack_url, "--data", data], cwd=ROOT)
            try:
                url = f"http://127.0.0.1:{port}/slack/events"
                await wait_up(url)
                results[kind] = await burst(url, n, f"{kind[:1]}{int(time.time())}")
                if kind == "ours":  # let the agent finish answering before the process stops
                    for _ in range(600):
                        if len(fake.of("chat.postMessage")) >= n:
                            break
                        await asyncio.sleep(0.1)
            finally:
                proc.terminate()
                proc.wait(10)
    fake_server.should_exit = True
    await fake_task
    ours, base = results["ours"], results["baseline"]
    out = {"p50_ms": round(pct(ours, 50), 1), "p99_ms": round(pct(ours, 99), 1),
           "baseline_p50_ms": round(pct(base, 50), 1), "baseline_p99_ms": round(pct(base, 99), 1)}
    out["ratio"] = round(out["p99_ms"] / out["baseline_p99_ms"], 2)
    print(f"{n} concurrent signed app_mention events")
    print(f"  ours:     p50 {out['p50_ms']} ms, p99 {out['p99_ms']} ms "
          f"(replies posted: {len(fake.of('chat.postMessage'))})")
    print(f"  baseline: p50 {out['baseline_p50_ms']} ms, p99 {out['baseline_p99_ms']} ms (bare Bolt, ack only)")
    print(f"  ratio of p99s: {out['ratio']} (target < 2; Slack's limit is 3000 ms)")
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--serve")
    ap.add_argument("--port", type=int)
    ap.add_argument("--slack-url")
    ap.add_argument("--data")
    a = ap.parse_args()
    if a.serve:
        serve(a.serve, a.port, a.slack_url, a.data)
    else:
        print(json.dumps(asyncio.run(main(a.n))))
