"""/api/business/pipeline and /revenue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from bot.api.deps import ActorDep, ServicesDep, run_op
from engine.pipeline.metrics import PipelineMetrics, RevenueStats, get_pipeline_metrics, get_revenue_stats

router = APIRouter(prefix="/api/business", tags=["pipeline"])


@router.get("/pipeline", response_model=PipelineMetrics)
async def pipeline(services: ServicesDep, actor: ActorDep) -> PipelineMetrics:
    return await run_op(services, actor, get_pipeline_metrics)


@router.get("/revenue", response_model=RevenueStats)
async def revenue(
    services: ServicesDep, actor: ActorDep,
    period: Annotated[str, Query(max_length=16, description="month, quarter, year or all")] = "all",
) -> RevenueStats:
    return await run_op(services, actor, get_revenue_stats, period)
