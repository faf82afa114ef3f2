"""Waiting for a `grace serve` subprocess a test started."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Callable

import httpx


async def wait_until_serving(url: str, proc: subprocess.Popen[bytes], output: Callable[[], str]) -> None:
    """Until `url`/healthz answers 200 (30 s at most); if the process ends first, fail with its `output()`."""
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            if proc.poll() is not None:
                raise AssertionError(output())
            try:
                if (await http.get(url + "/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"{url} did not come up")
