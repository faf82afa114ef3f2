"""Pipeline metrics on 100,000 leads on PostgreSQL, uncached, beside a bare `GROUP BY stage`.

Target: the metrics answer in under 200 ms uncached. The unit is a bare SQL count per
stage on the same table in the same run (ratio = ours / bare).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time

from _common import report, scratch_pg

N = int(os.environ.get("BENCH_METRICS_N", "100000"))
RUNS = 15

FILL = """
INSERT INTO business_clients (id, name, email, email_normalized, company, industry, lifetime_value, currency,
    project_count, first_contact_at, metadata, created_at, updated_at)
SELECT g, 'Client ' || g, 'c' || g || '@example.com', 'c' || g || '@example.com', 'Co ' || (g % 500), 'software',
    0, 'USD', 0, now(), '{}', now(), now() FROM generate_series(1, $1) g;
INSERT INTO business_leads (id, client_id, source, stage, furthest_rank, qualified, qualification_data, features, budget, currency,
    stage_changed_at, metadata, created_at, updated_at, referrer)
SELECT g, g, (ARRAY['website','referral','linkedin','upwork','cold_email','slack'])[1 + g % 6],
    (ARRAY['LEAD','LEAD','LEAD','QUALIFIED','QUALIFIED','PROPOSAL','NEGOTIATION','CONTRACT','ACTIVE','DELIVERED','PAID','LOST','LOST'])[1 + g % 13],
    (ARRAY[0,0,0,1,1,2,3,4,5,6,7,0,0])[1 + g % 13] + CASE WHEN g % 13 >= 11 THEN g % 3 ELSE 0 END,
    false, '{}', '{}', 1000 + (g % 50) * 500, 'USD', now() - ((g % 60) || ' days')::interval, '{}',
    now() - ((g % 90) || ' days')::interval, now(), CASE WHEN g % 6 = 1 THEN 'Referrer ' || (g % 20) END
FROM generate_series(1, $1) g;
"""
HISTORY = """
INSERT INTO lead_stage_history (lead_id, from_stage, to_stage, actor, at, left_at)
SELECT l.id, NULL, s.stage, 'bench', l.created_at + (s.i || ' days')::interval,
       CASE WHEN s.i < l.furthest_rank OR l.stage = 'LOST' THEN l.created_at + ((s.i + 1) || ' days')::interval END
FROM business_leads l
JOIN LATERAL (SELECT i, (ARRAY['LEAD','QUALIFIED','PROPOSAL','NEGOTIATION','CONTRACT','ACTIVE','DELIVERED','PAID'])[i + 1] AS stage
              FROM generate_series(0, 7) i) s
  ON s.i <= array_position(ARRAY['LEAD','QUALIFIED','PROPOSAL','NEGOTIATION','CONTRACT','ACTIVE','DELIVERED','PAID'], l.stage) - 1
     OR (l.stage = 'LOST' AND s.i <= l.furthest_rank);
INSERT INTO lead_stage_history (lead_id, from_stage, to_stage, actor, at)
SELECT id, NULL, 'LOST', 'bench', stage_changed_at FROM business_leads WHERE stage = 'LOST';
ANALYZE;
"""


async def fill(dsn: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    for stmt in [s for s in FILL.split(";\n") if s.strip()]:
        await conn.execute(stmt, N)
    await conn.execute(HISTORY)
    await conn.close()


async def bare(dsn: str) -> float:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        await conn.fetch("SELECT stage, count(*) FROM business_leads GROUP BY stage")
        times.append(time.perf_counter() - t)
    await conn.close()
    return statistics.median(times) * 1000


async def ours(dsn: str) -> tuple[float, float]:
    from engine.actors import Actor
    from engine.config import Settings
    from engine.context import Services, unit_of_work
    from engine.pipeline.metrics import compute_pipeline_metrics, get_pipeline_metrics
    from storage.db import create_engine, create_session_factory

    url = dsn.replace("postgresql://", "postgresql+asyncpg://")
    db = create_engine(url)
    services = Services(settings=Settings(database_url=url, secret_key="bench"), db=db,
                        session_factory=create_session_factory(db))
    actor = Actor.system("bench")
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        async with unit_of_work(services, actor) as ctx:
            m = await compute_pipeline_metrics(ctx)
        times.append(time.perf_counter() - t)
    assert m.total_leads == N, m.total_leads
    from engine.cache import InProcessCache

    services.cache = InProcessCache()
    async with unit_of_work(services, actor) as ctx:
        await get_pipeline_metrics(ctx)
    t = time.perf_counter()
    async with unit_of_work(services, actor) as ctx:
        await get_pipeline_metrics(ctx)
    cached_ms = (time.perf_counter() - t) * 1000
    await db.dispose()
    return statistics.median(times) * 1000, cached_ms


def main() -> None:
    with scratch_pg() as dsn:
        asyncio.run(fill(dsn))
        bare_ms = asyncio.run(bare(dsn))
        ours_ms, cached_ms = asyncio.run(ours(dsn))
    print(f"pipeline metrics on {N} leads: {ours_ms:.1f} ms uncached (p50 of {RUNS}), {cached_ms:.2f} ms cached; "
          f"bare GROUP BY stage: {bare_ms:.1f} ms")
    report({"leads": N, "uncached_ms": round(ours_ms, 2), "cached_ms": round(cached_ms, 3),
            "baseline_ms": round(bare_ms, 2), "ratio": round(ours_ms / bare_ms, 2), "target_ms": 200})


if __name__ == "__main__":
    main()
