"""/api/fx/rates: the exchange rates the agency sets."""

from __future__ import annotations

from fastapi import APIRouter

from bot.api.deps import ActorDep, ServicesDep, run_op
from engine.fx import FxRateInput, FxRateList, FxRateView, list_fx_rates, set_fx_rate

router = APIRouter(prefix="/api/fx", tags=["fx"])


@router.post("/rates", status_code=201, response_model=FxRateView)
async def post_rate(body: FxRateInput, services: ServicesDep, actor: ActorDep) -> FxRateView:
    """Set what one unit of `currency` is worth in the agency's currency, from `as_of` (today)."""
    return await run_op(services, actor, set_fx_rate, body)


@router.get("/rates", response_model=FxRateList)
async def get_rates(services: ServicesDep, actor: ActorDep) -> FxRateList:
    """Every rate set, newest first (the first of each currency is the one in force)."""
    return await run_op(services, actor, list_fx_rates)
