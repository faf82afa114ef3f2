"""Recording a client's answer, and reading a project's and the agency's satisfaction."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from engine.context import OperationContext
from engine.errors import InvalidInput, PolicyDenied, ProjectNotFound
from engine.hunter import screen_text
from engine.satisfaction.followups import apply_followups
from engine.satisfaction.nps_arithmetic import (
    DETRACTOR,
    PASSIVE,
    PROMOTER,
    categorize,
    net_promoter_score,
    sentiment_label,
    sentiment_of,
)
from engine.satisfaction.schemas import NpsResponse, SatisfactionReport, SurveyAnswer
from engine.satisfaction.surveys import SURVEYABLE, resolve_survey, update_deadline
from storage.models import Client, Interaction, Lead, NpsSurvey, Project
from storage.types import utcnow

MAX_COMMENT = 5_000


def check_answer(score: object, comment: str | None) -> tuple[int, str | None]:
    """The score as an int 0-10 and the comment trimmed (None when empty); InvalidInput names the field."""
    try:
        value = int(str(score).strip()) if not isinstance(score, bool) else None
    except (TypeError, ValueError):
        value = None
    if value is None or not 0 <= value <= 10:
        raise InvalidInput("score must be a whole number from 0 to 10.", field="score")
    text = (comment or "").strip() or None
    if text and len(text) > MAX_COMMENT:
        raise InvalidInput(f"comment is longer than {MAX_COMMENT} characters.", field="comment", limit=MAX_COMMENT)
    return value, text


async def record_nps_response(ctx: OperationContext, token: str, score: object, comment: str | None) -> NpsResponse:
    """Save the client's answer through their link; within the update window a second answer
    replaces the first (audited). Updates the project, the client, and acts on the category."""
    ctx.check_policy("record_nps_response")
    value, text = check_answer(score, comment)
    now = utcnow()
    survey = await resolve_survey(ctx.session, ctx.settings, token, now=now, for_update=True)
    if ctx.actor.kind == "client" and ctx.actor.ref != str(survey.client_id):
        raise PolicyDenied("record_nps_response", ctx.actor.role.value, "This survey belongs to another client.")
    hunted: dict[str, object] = {}
    if text:  # Hunter: a script refuses the answer (and alerts); secrets and cards are masked; markup flagged
        text, hunted = await screen_text(ctx, "text", text, action="record_nps_response",
                                         what=f"an NPS comment on survey #{survey.id}")
    project = await ctx.session.get(Project, survey.project_id)
    client = await ctx.session.get(Client, survey.client_id)
    assert project is not None and client is not None  # foreign keys
    lead = await ctx.session.get(Lead, project.lead_id) if project.lead_id else None

    updated = survey.status == "answered"
    previous = {"score": survey.score, "comment": survey.comment, "category": survey.category}
    survey.score = value
    survey.comment = text
    survey.category = categorize(value)
    survey.sentiment = sentiment_of(text)
    meta = {k: v for k, v in (survey.metadata_ or {}).items() if k != "hunter"}
    survey.metadata_ = {**meta, **hunted}
    if updated:
        survey.update_count += 1
        survey.metadata_ = {**(survey.metadata_ or {}), "last_answered_at": now.isoformat()}
    else:
        survey.status = "answered"
        survey.answered_at = now
    project.nps_score = value
    project.client_feedback = text
    await ctx.session.flush()
    client.satisfaction_score = await _client_satisfaction(ctx.session, client.id)
    summary = f"NPS {value}/10 ({survey.category})" + (f": {text[:400]}" if text else "")
    ctx.session.add(Interaction(client_id=client.id, lead_id=project.lead_id, project_id=project.id, kind="survey",
                                channel="nps_link", summary=summary, actor=ctx.actor.label, occurred_at=now,
                                sentiment=survey.sentiment,
                                metadata_={"survey_id": survey.id, "score": value, "category": survey.category,
                                           "sentiment": survey.sentiment, "updated": updated, **hunted}))
    if lead is not None:
        lead.last_contact_at = now
    followups = await apply_followups(ctx, survey, project, client, lead) \
        if not updated or previous["category"] != survey.category else []
    await ctx.session.flush()
    subject = f"project:{project.id}"
    if updated:
        ctx.audit("nps.response_updated", subject, survey_id=survey.id, score=value, category=survey.category,
                  previous_score=previous["score"], previous_category=previous["category"],
                  comment_changed=previous["comment"] != text)
    else:
        ctx.audit("nps.response_recorded", subject, survey_id=survey.id, score=value, category=survey.category,
                  sentiment=survey.sentiment)
    ctx.emit("nps.responded", survey_id=survey.id, project_id=project.id, client_id=client.id, score=value,
             category=survey.category, updated=updated)
    return NpsResponse(survey_id=survey.id, project_id=project.id, client_id=client.id, score=value,
                       category=survey.category, sentiment=survey.sentiment, updated=updated,
                       update_until=update_deadline(ctx.settings, survey), followups=followups)


async def _client_satisfaction(session: AsyncSession, client_id: int) -> float | None:
    """The client's satisfaction: the mean of their answered surveys' scores (0-10), one decimal."""
    mean = (await session.execute(select(func.avg(NpsSurvey.score)).where(
        NpsSurvey.client_id == client_id, NpsSurvey.status == "answered"))).scalar_one_or_none()
    return round(float(mean), 1) if mean is not None else None


async def agency_nps(session: AsyncSession, window_days: int) -> tuple[float | None, int]:
    """(NPS, number of answers) over the answers received in the last `window_days`."""
    since = utcnow() - timedelta(days=window_days)
    scores = (await session.execute(select(NpsSurvey.score).where(
        NpsSurvey.status == "answered", NpsSurvey.answered_at >= since))).scalars().all()
    values = [s for s in scores if s is not None]
    return net_promoter_score(values), len(values)


async def track_client_satisfaction(ctx: OperationContext, project_id: int) -> SatisfactionReport:
    """The project's score, category and comment; the client's history; the agency's NPS; what to do next."""
    ctx.check_policy("track_client_satisfaction")
    project = await ctx.session.get(Project, project_id)
    if project is None:
        raise ProjectNotFound(project_id)
    client = await ctx.session.get(Client, project.client_id)
    assert client is not None
    surveys = (await ctx.session.execute(select(NpsSurvey).where(NpsSurvey.project_id == project_id)
                                         .order_by(NpsSurvey.id.desc()))).scalars().all()
    latest = surveys[0] if surveys else None
    answered = next((s for s in surveys if s.status == "answered"), None)
    history = (await ctx.session.execute(select(NpsSurvey).where(
        NpsSurvey.client_id == client.id, NpsSurvey.status == "answered")
        .order_by(NpsSurvey.answered_at.desc()).limit(50))).scalars().all()
    nps, responses = await agency_nps(ctx.session, ctx.settings.nps_window_days)
    report = SatisfactionReport(
        project_id=project.id, client_id=client.id,
        nps_score=answered.score if answered else project.nps_score,
        category=answered.category if answered else None,
        comment=answered.comment if answered else project.client_feedback,
        sentiment=answered.sentiment if answered else None,
        sentiment_label=sentiment_label(answered.sentiment) if answered else None,
        survey_status=latest.status if latest else None,
        client_satisfaction_score=client.satisfaction_score,
        client_history=[SurveyAnswer(survey_id=s.id, project_id=s.project_id, score=s.score, category=s.category,
                                     comment=s.comment, answered_at=s.answered_at) for s in history],
        recommendations=[], agency_nps=nps, agency_responses=responses, window_days=ctx.settings.nps_window_days,
    )
    lead = await ctx.session.get(Lead, project.lead_id) if project.lead_id else None
    report.recommendations = recommend(report, project, lead, answered)
    return report


def recommend(report: SatisfactionReport, project: Project, lead: Lead | None,
              answered: NpsSurvey | None) -> list[str]:
    """Follow-up advice from the category and the comment's sentiment (plain rules, no model)."""
    out: list[str] = []
    if answered is None:
        if report.survey_status == "open":
            out.append("Survey sent and not answered yet: remind the client if it stays silent for a week.")
        elif report.survey_status == "scheduled":
            out.append("A survey is scheduled; nothing to do until it goes out.")
        elif project.status in SURVEYABLE:
            out.append("Send an NPS survey: the project is delivered and the client was never asked.")
        else:
            out.append("Wait for delivery before asking the client for a score.")
        return out
    label = sentiment_label(answered.sentiment)
    due = f" (due {lead.next_action_date:%Y-%m-%d})" if lead and lead.next_action_date else ""
    if answered.category == DETRACTOR:
        out.append(f"Call the client within 1 business day{due} and agree on a fix for what went wrong.")
        out.append("Review the project with the delivery team before proposing new work.")
        if answered.comment:
            out.append(f"Address the comment directly: “{answered.comment[:200]}”.")
    elif answered.category == PASSIVE:
        out.append(f"Check in with the client{due}: ask what would have made it a 10.")
        if label == "negative":
            out.append("The comment reads negative: treat it like a detractor's and follow up on it.")
        elif label == "positive":
            out.append("The comment reads positive: a small gesture could turn them into a promoter.")
    elif answered.category == PROMOTER:
        out.append("Ask for a testimonial or a case study.")
        out.append("Ask for a referral to a friend or colleague.")
        repeat = (answered.metadata_ or {}).get("repeat_lead_id")
        if repeat:
            out.append(f"Follow up the REPEAT opportunity: lead #{repeat}.")
        if label == "negative":
            out.append("High score but a negative comment: read it before asking for a testimonial.")
    if report.agency_nps is not None and report.agency_nps < 0:
        out.append(f"The agency's NPS is {report.agency_nps:g} over {report.window_days} days: "
                   "look for a pattern across detractors.")
    return out
