"""The cache speeds reads up and is never stale after a change."""

import asyncio

import pytest

from engine.cache import InProcessCache, RedisCache, cached, invalidate
from engine.pipeline.capture import capture_lead
from engine.pipeline.leads import get_client
from engine.pipeline.metrics import get_pipeline_metrics
from engine.pipeline.moves import move_to_stage
from engine.pipeline.schemas import LeadInput, StageMoveInput
from tests.conftest import REDIS_URL, SALES, VIEWER, lead_data, op


async def test_pipeline_metrics_follow_every_change(services):
    assert services.cache is not None
    assert (await op(services, VIEWER, get_pipeline_metrics)).total_leads == 0
    r = await op(services, SALES, capture_lead, LeadInput(**lead_data()))
    m = await op(services, VIEWER, get_pipeline_metrics)
    assert m.total_leads == 1 and m.stages[0].count == 1
    await op(services, SALES, move_to_stage, r.lead_id, StageMoveInput(stage="QUALIFIED"))
    m = await op(services, VIEWER, get_pipeline_metrics)
    assert m.stages[0].count == 0 and m.stages[1].count == 1


async def test_client_view_follows_new_leads(services):
    data = lead_data()
    r = await op(services, SALES, capture_lead, LeadInput(**data))
    assert (await op(services, VIEWER, get_client, r.client_id)).lead_ids == [r.lead_id]
    r2 = await op(services, SALES, capture_lead, LeadInput(**{**data, "name": "Again"}))
    assert (await op(services, VIEWER, get_client, r.client_id)).lead_ids == [r.lead_id, r2.lead_id]


@pytest.mark.parametrize("kind", ["memory", "redis"])
async def test_a_read_racing_a_write_never_stores_a_stale_answer(kind, request):
    if kind == "redis":
        request.getfixturevalue("redis_url")
        cache = RedisCache(REDIS_URL)
        await cache.delete_prefix("racetest:")
        await cache.delete_prefix("gen:racetest:")
    else:
        cache = InProcessCache()
    state = {"value": 1}
    started, release = asyncio.Event(), asyncio.Event()

    async def slow_compute():
        seen = state["value"]
        started.set()
        await release.wait()
        return seen

    reader = asyncio.create_task(cached(cache, "racetest:", "x", 60, slow_compute))
    await started.wait()
    state["value"] = 2  # a write commits while the read is computing...
    await invalidate(cache, "racetest:")  # ...and invalidates after its commit
    release.set()
    assert await reader == 1  # the racing reader answers what it saw

    async def fresh():
        return state["value"]

    assert await cached(cache, "racetest:", "x", 60, fresh) == 2  # but its answer was not kept
    if kind == "redis":
        await cache.close()


async def test_eviction_keeps_generation_tokens():
    cache = InProcessCache(max_items=20)
    await invalidate(cache, "p:")
    gen = await cache.get("gen:p:")
    for i in range(100):
        await cache.set(f"x:{i}", i, 60)
    assert await cache.get("gen:p:") == gen
    assert len(cache._data) <= 21
