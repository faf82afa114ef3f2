"""Bodies of the scoring jobs (registered in workers/jobs.py)."""

from __future__ import annotations

from typing import Any

from engine.actors import Actor
from engine.context import Services, unit_of_work
from engine.scoring.registry import NotEnoughHistory, new_outcomes_since_active, outcome_counts, train_model
from engine.scoring.rescoring import rescore_open_leads


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


async def rescore_leads_nightly(ctx: dict[str, Any]) -> dict[str, Any]:
    """Nightly job (arq's cron, or the in-process loop without Redis; `ctx` holds `services`):
    every open lead rescored with the active model, one transaction and one audit entry per run.
    Safe to run twice: a second run writes the same numbers."""
    async with unit_of_work(ctx["services"], Actor.system("scoring-rescore")) as uow:
        report = await rescore_open_leads(uow)
    return report.model_dump(mode="json")
