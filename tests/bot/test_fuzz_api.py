"""Schemathesis against `grace serve` on PostgreSQL: no generated request gets a server error.

The server is the installed `grace serve` command (the app the `bot.app` factory builds), on a
fresh migrated PostgreSQL database, called with an admin API key. Every operation of the OpenAPI
schema is fuzzed with a fixed seed and example budget (positive and negative data: ids past
64 bits, unpaired surrogates, NUL, wrong types), so a run is repeatable and takes a few minutes
at most. Every 5xx is collected with the request that caused it; the test fails listing them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from bot.devtools.serving import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("backend", ["postgres"], indirect=True)]

SEED = 17
EXAMPLES_PER_OPERATION = int(os.environ.get("GRACE_FUZZ_EXAMPLES", "25"))
ROOT = Path(__file__).resolve().parents[2]


def _grace(*args: str, env: dict[str, str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli.main", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, check=True, **kw)  # type: ignore[call-overload]


@pytest.fixture
def served(db_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`grace serve` on a free port; yields (base URL, admin API key)."""
    env = {**os.environ, "GRACE_DATABASE_URL": db_url, "GRACE_DATA_DIR": str(tmp_path / "data"),
           "GRACE_SECRET_KEY": "fuzz-secret", "GRACE_LOG_LEVEL": "WARNING", "GRACE_REDIS_URL": ""}
    key = _grace("apikey", "create", "--name", "fuzz", "--role", "admin", env=env).stdout.strip().splitlines()[-1]
    port = free_port()
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli.main", "serve", "--port", str(port)], env=env, cwd=ROOT,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            time.sleep(0.1)
        yield url, key
    finally:
        proc.terminate()
        proc.wait(15)
        log.close()


def test_no_operation_answers_a_server_error(served):
    url, key = served
    schema = schemathesis.openapi.from_url(url + "/openapi.json")
    headers = {"Authorization": f"Bearer {key}"}
    errors: list[str] = []
    statuses: Counter[int] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20

    for operation, mode in [(op, m) for op in operations for m in GenerationMode]:
        @seed(SEED)
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=False,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def fuzz(case):
            response = case.call(base_url=url, headers=headers, timeout=30)
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                errors.append(f"{response.status_code} {case.method} {case.formatted_path} "
                              f"query={case.query!r} body={case.body!r:.300}: {response.text[:200]}")

        try:
            fuzz()
        except Unsatisfiable:  # e.g. no negative data for an operation without parameters
            continue
    print(f"fuzzed {len(operations)} operations, {sum(statuses.values())} requests: {dict(sorted(statuses.items()))}")
    assert sum(statuses.values()) >= len(operations) * 2  # the run did exercise the API
    assert not errors, f"{len(errors)} server errors:\n" + "\n".join(errors[:40])
