"""A request id bound when a job is enqueued reaches the job's logs in the arq worker."""

import uuid

import structlog
from arq.connections import RedisSettings
from arq.worker import Worker, func

from workers.queue import ArqQueue
from workers.settings import on_job_end, on_job_start


async def seen_request_id(ctx):
    return structlog.contextvars.get_contextvars().get("request_id")


async def test_request_id_travels_into_the_job(redis_url):
    queue_name = f"test:reqid:{uuid.uuid4().hex[:8]}"
    q = ArqQueue(redis_url, queue_name)
    structlog.contextvars.bind_contextvars(request_id="req-42")
    try:
        job_id = await q.enqueue("seen_request_id", job_id=f"reqid:{uuid.uuid4().hex[:6]}")
    finally:
        structlog.contextvars.unbind_contextvars("request_id")
    assert job_id
    worker = Worker(functions=[func(seen_request_id, name="seen_request_id")], queue_name=queue_name,
                    redis_settings=RedisSettings.from_dsn(redis_url), burst=True, poll_delay=0.05,
                    handle_signals=False, on_job_start=on_job_start, on_job_end=on_job_end)
    await worker.main()
    from arq.jobs import Job

    assert await Job(job_id, await q._get_pool(), _queue_name=queue_name).result(timeout=5) == "req-42"
    await worker.close()
    await q.close()
