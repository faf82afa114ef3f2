"""/api/business/proposals (the project view is in bot/api/delivery.py)."""

from __future__ import annotations

from fastapi import APIRouter

from bot.api.deps import ActorDep, ServicesDep, run_op
from engine.proposals.schemas import GenerateProposalInput, GenerateProposalResult
from engine.proposals.service import generate_proposal

router = APIRouter(prefix="/api/business", tags=["proposals"])


@router.post("/proposals/generate", response_model=GenerateProposalResult)
async def post_generate_proposal(body: GenerateProposalInput, services: ServicesDep,
                                 actor: ActorDep) -> GenerateProposalResult:
    """Draft, price and store a new version of a lead's proposal, with its project plan."""
    return await run_op(services, actor, generate_proposal, body.lead_id, body.requirements, body.budget)

