"""Helpers shared by the benchmarks: a scratch PostgreSQL database and a served Grace."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = os.environ.get("GRACE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")


def _admin(sql: str) -> None:
    import asyncpg

    async def go() -> None:
        conn = await asyncpg.connect(PG + "/postgres")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(go())


@contextmanager
def scratch_pg() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database; yields its asyncpg URL (postgresql://...)."""
    from storage.migrate import upgrade

    name = f"grace_bench_{uuid.uuid4().hex[:8]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        upgrade(PG.replace("postgresql://", "postgresql+asyncpg://") + "/" + name)
        yield f"{PG}/{name}"
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(db_url: str, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """`grace serve` (uvicorn, one worker) on a free port; yields its base URL."""
    port = free_port()
    data = tempfile.mkdtemp(prefix="grace-bench-")
    env = {**os.environ, "GRACE_DATABASE_URL": db_url.replace("postgresql://", "postgresql+asyncpg://"),
           "GRACE_DATA_DIR": data, "GRACE_LOG_LEVEL": "WARNING", "GRACE_SECRET_KEY": "bench", **(extra_env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli.main", "serve", "--port", str(port)], env=env,
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    import httpx

    try:
        for _ in range(300):
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "server exited")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def make_key(db_url: str, role: str = "admin") -> str:
    out = subprocess.run([sys.executable, "-m", "bot.cli.main", "apikey", "create", "--name", "bench", "--role", role],
                         env={**os.environ, "GRACE_DATABASE_URL": db_url.replace("postgresql://", "postgresql+asyncpg://"),
                              "GRACE_SECRET_KEY": "bench"}, cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


def report(figures: dict[str, object]) -> None:
    print(json.dumps(figures))


__all__ = ["statistics"]
