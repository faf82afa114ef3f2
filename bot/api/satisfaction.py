"""/api/business/projects/{id}/nps and /satisfaction."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from bot.api.deps import ActorDep, ServicesDep, run_op
from engine.satisfaction.nps import track_client_satisfaction
from engine.satisfaction.schemas import SatisfactionReport
from engine.satisfaction.surveys import send_nps_survey

router = APIRouter(prefix="/api/business", tags=["satisfaction"])


class SurveyLink(BaseModel):
    survey_id: int
    link: str
    expires_at: datetime
    language: str
    emailed_to: str | None


@router.post("/projects/{project_id}/nps", status_code=201, response_model=SurveyLink)
async def post_nps(project_id: int, services: ServicesDep, actor: ActorDep) -> SurveyLink:
    """Send the project's NPS survey now (409 while another one is open)."""
    sent = await run_op(services, actor, send_nps_survey, project_id)
    return SurveyLink(survey_id=sent.survey_id, link=sent.link, expires_at=sent.expires_at,
                      language=sent.language, emailed_to=sent.emailed_to)


@router.get("/projects/{project_id}/satisfaction", response_model=SatisfactionReport)
async def get_satisfaction(project_id: int, services: ServicesDep, actor: ActorDep) -> SatisfactionReport:
    return await run_op(services, actor, track_client_satisfaction, project_id)
