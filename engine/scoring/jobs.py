"""Bodies of the scoring jobs (registered in workers/jobs.py)."""

from __future__ import annotations

from engine.actors import Actor
from engine.context import Services, unit_of_work
from engine.scoring.registry import NotEnoughHistory, new_outcomes_since_active, outcome_counts, train_model


async def retrain_nightly(services: Services) -> str:
    """Idempotent: without new outcomes since the active model it does nothing."""
    actor = Actor.system("scoring-retrain")
    async with services.session_factory() as session:
        if not await new_outcomes_since_active(session):
            return "no new outcomes"
        won, lost = await outcome_counts(session)
    if min(won, lost) < services.settings.min_outcomes_for_model:
        return f"not enough history ({won} won, {lost} lost)"
    try:
        async with unit_of_work(services, actor) as ctx:
            result = await train_model(ctx, only_if_better=True)
    except NotEnoughHistory as e:
        return e.message
    return f"model #{result.model_id}: {result.reason}"
