"""Where predictions are cached: `Services.cache` (Redis or in-process, see engine/cache.py)."""

from __future__ import annotations

from engine.cache import InProcessCache
from engine.context import Services
from engine.ports import Cache


def prediction_cache(services: Services) -> Cache:
    if services.cache is None:  # services built by hand (scripts, benchmarks)
        services.cache = InProcessCache()
    return services.cache
