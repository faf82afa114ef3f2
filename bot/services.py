"""Wiring: settings -> the engine's services, with real or embedded parts."""

from __future__ import annotations

import logging

from engine.config import Settings
from engine.context import Services
from engine.events import InProcessEventBus, RedisEventBus
from engine.governance.policies import configure_policies
from storage.db import create_engine, create_session_factory

log = logging.getLogger("grace")


async def build_services(settings: Settings) -> Services:
    settings.ensure_data_dir()
    settings.resolved_secret_key()
    configure_policies(settings.policies_path, parliament_threshold=settings.parliament_threshold)
    db = create_engine(settings.resolved_database_url, pool_size=settings.db_pool_size,
                       max_overflow=settings.db_max_overflow)
    services = Services(settings=settings, db=db, session_factory=create_session_factory(db))
    if settings.redis_url:
        bus = RedisEventBus(settings.redis_url)
        await bus.start()
        services.events = bus
        from workers.queue import ArqQueue

        services.queue = ArqQueue(settings.redis_url)
    else:
        services.events = InProcessEventBus()
        from workers.jobs import JOBS
        from workers.queue import InProcessQueue

        services.queue = InProcessQueue(JOBS, {"services": services})
    return services


async def close_services(services: Services) -> None:
    close = getattr(services.queue, "close", None)
    if close:
        await close()
    await services.events.close()
    await services.db.dispose()
