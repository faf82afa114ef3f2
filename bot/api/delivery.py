"""/api/business/projects (delivery) and /api/business/votes (Parliament).

`GET /projects/{id}`: the project with its plan (milestones, deliverables), progress and artifacts.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from bot.api.deps import ActorDep, ServicesDep, run_op
from engine.delivery.build import cancel_build
from engine.delivery.deliver import deliver_project
from engine.delivery.schemas import BuildOutcome, DeliverInput, DeliveryResult, ProjectDeliveryView
from engine.delivery.views import get_artifact_content, get_project_delivery
from engine.parliament.rules import Choice
from engine.parliament.schemas import CastResult, VoteView
from engine.parliament.votes import cast_vote, get_vote

router = APIRouter(prefix="/api/business", tags=["delivery"])


class VoteInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    choice: Choice
    comment: str | None = Field(default=None, max_length=2000)


@router.post("/projects/deliver", response_model=DeliveryResult, response_model_exclude_none=True)
async def post_deliver(body: DeliverInput, services: ServicesDep, actor: ActorDep) -> DeliveryResult:
    """Start delivery: `awaiting_approval` (a Parliament vote was opened) or `in_progress` (build enqueued)."""
    return await run_op(services, actor, deliver_project, body)


@router.get("/projects/{project_id}", response_model=ProjectDeliveryView)
async def read_project(project_id: int, services: ServicesDep, actor: ActorDep) -> ProjectDeliveryView:
    return await run_op(services, actor, get_project_delivery, project_id)


@router.get("/projects/{project_id}/artifact", response_class=PlainTextResponse)
async def read_artifact(project_id: int, services: ServicesDep, actor: ActorDep,
                        name: Annotated[str, Query(min_length=1, max_length=300)]) -> PlainTextResponse:
    return PlainTextResponse(await run_op(services, actor, get_artifact_content, project_id, name),
                             media_type="text/markdown")


@router.post("/projects/{project_id}/cancel", response_model=BuildOutcome)
async def post_cancel(project_id: int, services: ServicesDep, actor: ActorDep) -> BuildOutcome:
    return await run_op(services, actor, cancel_build, project_id)


@router.get("/votes/{vote_id}", response_model=VoteView)
async def read_vote(vote_id: int, services: ServicesDep, actor: ActorDep) -> VoteView:
    return await run_op(services, actor, get_vote, vote_id)


@router.post("/votes/{vote_id}", response_model=CastResult)
async def post_vote(vote_id: int, body: VoteInput, services: ServicesDep, actor: ActorDep) -> CastResult:
    """Vote as the key's holder (an approver key; Slack buttons are the usual way)."""
    return await run_op(services, actor, cast_vote, vote_id, body.choice, body.comment)
