"""The client's survey pages: /nps/{token} (form), POST to answer, /nps/{token}/thanks.

Plain HTML forms (no JavaScript), texts from `engine.satisfaction.texts`. Every refusal is
a page with a 4xx status that says why, and writes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from bot.api.deps import ServicesDep, run_op
from engine.actors import Actor, Role
from engine.errors import GraceError, InvalidInput
from engine.satisfaction.errors import SurveyClosed, SurveyLinkExpired
from engine.satisfaction.nps import MAX_COMMENT, check_answer, record_nps_response
from engine.satisfaction.surveys import resolve_survey, update_deadline
from engine.satisfaction.texts import format_date, from_accept_language, texts
from storage.models import Client, NpsSurvey, Project

router = APIRouter(tags=["nps pages"], include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


async def _load(services: Any, token: str) -> tuple[NpsSurvey, Project, Client]:
    async with services.session_factory() as session:
        survey = await resolve_survey(session, services.settings, token)
        project = await session.get(Project, survey.project_id)
        client = await session.get(Client, survey.client_id)
        assert project is not None and client is not None
        return survey, project, client


def _page(request: Request, template: str, lang: str, status: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, template, {"t": texts(lang), "lang": lang, **context},
                                      status_code=status, headers=NO_STORE)


def _refusal(request: Request, exc: GraceError, lang: str | None = None) -> HTMLResponse:
    lang = lang or getattr(exc, "language", None) or from_accept_language(request.headers.get("accept-language"))
    t = texts(lang)
    kind = getattr(exc, "page", "invalid")
    until = format_date(getattr(exc, "until", None), lang)
    if kind in ("expired", "closed") and not until:
        body = t["expired_short"]
    else:
        body = t[f"{kind}_body"].format(until=until)
    return _page(request, "nps/message.html", lang, status=exc.status, heading=t[f"{kind}_title"], body=body)


def _form(request: Request, survey: NpsSurvey, project: Project, client: Client, services: Any, *,
          status: int = 200, error: str | None = None, score: int | None = None,
          comment: str | None = None) -> HTMLResponse:
    lang = survey.language
    until = format_date(update_deadline(services.settings, survey), lang) if survey.answered_at else None
    return _page(request, "nps/form.html", lang, status=status, survey=survey, error=error,
                 project=project.title, client_name=client.name, until=until, max_comment=MAX_COMMENT,
                 score=survey.score if score is None else score,
                 comment=survey.comment if comment is None else comment)


@router.get("/nps/{token}", response_class=HTMLResponse)
async def survey_page(token: str, request: Request, services: ServicesDep) -> Response:
    try:
        survey, project, client = await _load(services, token)
    except GraceError as exc:
        return _refusal(request, exc)
    return _form(request, survey, project, client, services)


@router.post("/nps/{token}", response_class=HTMLResponse)
async def answer_survey(token: str, request: Request, services: ServicesDep) -> Response:
    try:
        survey, project, client = await _load(services, token)
    except GraceError as exc:
        return _refusal(request, exc)
    form = await request.form()
    raw_score, raw_comment = form.get("score"), form.get("comment")
    comment = raw_comment if isinstance(raw_comment, str) else None
    t = texts(survey.language)
    try:
        check_answer(raw_score, comment)
    except InvalidInput as exc:
        message = t["error_score"] if exc.field == "score" else t["error_comment"].format(limit=MAX_COMMENT)
        return _form(request, survey, project, client, services, status=422, error=message,
                     score=None if exc.field == "score" else int(str(raw_score)), comment=comment or "")
    actor = Actor(kind="client", ref=str(client.id), role=Role.CLIENT, name=client.name)
    try:
        await run_op(services, actor, record_nps_response, token, raw_score, comment)
    except (SurveyClosed, SurveyLinkExpired) as exc:
        return _refusal(request, exc, survey.language)
    except GraceError as exc:
        return _form(request, survey, project, client, services, status=exc.status,
                     error=t["error_form"].format(reason=exc.message))
    # Post/redirect/get: reloading the thank-you page never re-submits the form.
    return RedirectResponse(f"/nps/{token}/thanks", status_code=303, headers=NO_STORE)


@router.get("/nps/{token}/thanks", response_class=HTMLResponse)
async def thanks_page(token: str, request: Request, services: ServicesDep) -> Response:
    try:
        survey, _project, _client = await _load(services, token)
    except GraceError as exc:
        return _refusal(request, exc)
    if survey.answered_at is None:
        return RedirectResponse(f"/nps/{token}", status_code=303, headers=NO_STORE)
    until = format_date(update_deadline(services.settings, survey), survey.language)
    return _page(request, "nps/thanks.html", survey.language, until=until, token=token)
