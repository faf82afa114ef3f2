"""/api/business/leads/{id}/qualify, /predict, /next-action."""

from __future__ import annotations

from fastapi import APIRouter

from bot.api.deps import ActorDep, ServicesDep, run_op
from engine.scoring.operations import (
    ClosePrediction,
    NextAction,
    QualifyResult,
    predict_close_rate,
    qualify_lead,
    suggest_next_action,
)

router = APIRouter(prefix="/api/business", tags=["scoring"])


@router.post("/leads/{lead_id}/qualify", response_model=QualifyResult)
async def post_qualify(lead_id: int, services: ServicesDep, actor: ActorDep) -> QualifyResult:
    return await run_op(services, actor, qualify_lead, lead_id)


@router.get("/leads/{lead_id}/predict", response_model=ClosePrediction)
async def get_prediction(lead_id: int, services: ServicesDep, actor: ActorDep) -> ClosePrediction:
    return await run_op(services, actor, predict_close_rate, lead_id)


@router.get("/leads/{lead_id}/next-action", response_model=NextAction)
async def get_next_action(lead_id: int, services: ServicesDep, actor: ActorDep) -> NextAction:
    """Suggests the next step and saves it on the lead as its next action and date."""
    return await run_op(services, actor, suggest_next_action, lead_id)
