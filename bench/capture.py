"""Leads captured per second through the HTTP API on PostgreSQL, beside a bare asyncpg loop.

Ours: `grace serve` (uvicorn, one worker), 32 concurrent HTTP clients posting leads, with a
connection pool of 32 (`GRACE_DB_POOL_SIZE`), the baseline's.
Baseline: asyncpg with the same inserts per lead (client upsert, lead, stage history,
interaction, audit row) in one transaction per lead, same concurrency, no framework.
Target: ratio >= 0.25 and p99 < 100 ms.

The load comes from aiohttp in this process: the machine has two cores shared by the load,
the server and PostgreSQL, and httpx costs three times aiohttp's CPU per request (1.2 ms
against 0.4 ms, measured), which the server would lose.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import time
import uuid

from _common import make_key, percentile, report, scratch_pg, served

N = int(os.environ.get("BENCH_CAPTURE_N", "2000"))
CONCURRENCY = 32


def payload(i: int, tag: str) -> dict[str, object]:
    return {"source": "website", "name": f"Bench Lead {i}", "email": f"bench{i}.{tag}@example.com",
            "company": "Bench Co", "industry": "software", "budget": "12000",
            "requirements": "A chatbot with CRM integration", "timeline": "2 months"}


async def run_http(url: str, key: str) -> tuple[float, list[float]]:
    import aiohttp

    tag = uuid.uuid4().hex[:6]
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(N):
        queue.put_nowait(i)
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(url, headers={"Authorization": f"Bearer {key}"}, connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=30)) as http:
        async def post(body: dict[str, object]) -> None:
            async with http.post("/api/business/leads", json=body) as r:
                text = await r.text()
                if r.status != 201:
                    raise RuntimeError(f"capture failed: {r.status} {text[:200]}")

        # Warm-up at full concurrency, so that the server's pool holds its 32 connections (and
        # their prepared statements) as the baseline's pool does before it is timed.
        await asyncio.gather(*(post(payload(i, "warm" + tag)) for i in range(4 * CONCURRENCY)))

        async def worker() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                t = time.perf_counter()
                await post(payload(i, tag))
                latencies.append((time.perf_counter() - t) * 1000)

        gc.collect()
        gc.freeze()  # this process's own start-up objects must not pause the load (a full GC: ~50 ms)
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - start
        gc.unfreeze()
    return N / elapsed, latencies


async def run_bare(dsn: str) -> float:
    import asyncpg

    pool = await asyncpg.create_pool(dsn, min_size=CONCURRENCY, max_size=CONCURRENCY)
    tag = uuid.uuid4().hex[:6]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(N):
        queue.put_nowait(i)

    async def worker() -> None:
        async with pool.acquire() as conn:
            while not queue.empty():
                i = queue.get_nowait()
                p = payload(i, tag)
                async with conn.transaction():
                    cid = await conn.fetchval(
                        """INSERT INTO business_clients (name, email, email_normalized, company, industry, lifetime_value,
                           currency, project_count, first_contact_at, metadata, created_at, updated_at)
                           VALUES ($1,$2::varchar,lower($2::varchar),$3,$4,0,'USD',0,now(),'{}',now(),now())
                           ON CONFLICT (email_normalized) DO NOTHING RETURNING id""",
                        p["name"], p["email"], p["company"], p["industry"])
                    lid = await conn.fetchval(
                        """INSERT INTO business_leads (client_id, source, stage, furthest_rank, qualified, qualification_data, features,
                           requirements, budget, currency, timeline, stage_changed_at, metadata, created_at, updated_at)
                           VALUES ($1,'website','LEAD',0,false,'{}','{}',$2,12000,'USD',$3,now(),'{}',now(),now()) RETURNING id""",
                        cid, p["requirements"], p["timeline"])
                    await conn.execute("INSERT INTO lead_stage_history (lead_id, to_stage, actor, at) VALUES ($1,'LEAD','bench',now())", lid)
                    await conn.execute("INSERT INTO business_interactions (client_id, lead_id, kind, occurred_at, metadata) VALUES ($1,$2,'capture',now(),'{}')", cid, lid)
                    await conn.execute("SELECT pg_advisory_xact_lock(1)")
                    seq = await conn.fetchval("SELECT coalesce(max(seq), 0) + 1 FROM audit_log")
                    await conn.execute(
                        "INSERT INTO audit_log (seq, at, actor, action, details, prev_hash, hash) VALUES ($1, now(), 'bench', 'lead.captured', $2, $3, $4)",
                        seq, json.dumps({"lead": lid}), "0" * 64, uuid.uuid4().hex * 2)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - start
    await pool.close()
    return N / elapsed


def main() -> None:
    with scratch_pg() as db:
        baseline = asyncio.run(run_bare(db))
    with scratch_pg() as db:
        key = make_key(db, "admin")  # admins are exempt from the per-key capture rate limit
        with served(db, {"GRACE_DB_POOL_SIZE": str(CONCURRENCY)}) as url:
            rate, lat = asyncio.run(run_http(url, key))
    print(f"HTTP API: {rate:.0f} leads/s (p50 {percentile(lat, 50):.1f} ms, p99 {percentile(lat, 99):.1f} ms); "
          f"bare asyncpg: {baseline:.0f} leads/s; {N} leads, {CONCURRENCY} concurrent")
    report({"rate": round(rate, 1), "baseline_rate": round(baseline, 1), "ratio": round(rate / baseline, 3),
            "p50_ms": round(percentile(lat, 50), 2), "p99_ms": round(percentile(lat, 99), 2)})


if __name__ == "__main__":
    main()
