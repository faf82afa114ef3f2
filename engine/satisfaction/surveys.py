"""Sending NPS surveys: scheduling after delivery, sending a signed link, resolving a link."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from engine.actors import Actor
from engine.config import Settings
from engine.context import OperationContext, Services, unit_of_work
from engine.errors import GraceError
from engine.hunter.detectors.markup import escape_mrkdwn
from engine.projects import load_project
from engine.satisfaction.errors import (
    ProjectNotDelivered,
    SurveyAlreadyOpen,
    SurveyClosed,
    SurveyLinkExpired,
    SurveyLinkInvalid,
    SurveyNotFound,
)
from engine.satisfaction.mail import send_email, survey_email
from engine.satisfaction.schemas import DueSurveysReport, SurveyScheduled, SurveySent
from engine.satisfaction.texts import pick_language
from engine.satisfaction.tokens import read_token, sign_survey, survey_link
from engine.statuses import ProjectStatus
from engine.trail import grace_trail
from storage.db import dialect_name
from storage.models import Client, Interaction, NpsSurvey, Project
from storage.types import utcnow

log = logging.getLogger(__name__)

# Project statuses after which a survey makes sense.
SURVEYABLE = frozenset({ProjectStatus.DELIVERED})
OPEN_STATUSES = ("scheduled", "open")


async def _open_survey(session: AsyncSession, project_id: int) -> NpsSurvey | None:
    return (await session.execute(select(NpsSurvey).where(
        NpsSurvey.project_id == project_id, NpsSurvey.status.in_(OPEN_STATUSES)))).scalar_one_or_none()


async def schedule_nps_survey(ctx: OperationContext, project_id: int) -> SurveyScheduled:
    """Plan the project's survey `nps_delay_days` after delivery. Idempotent: a project that
    already has a survey (in any state) keeps it."""
    ctx.check_policy("send_nps_survey")
    project = await load_project(ctx.session, project_id, lock=True)
    existing = (await ctx.session.execute(select(NpsSurvey).where(NpsSurvey.project_id == project_id)
                                          .order_by(NpsSurvey.id.desc()).limit(1))).scalar_one_or_none()
    if existing is not None:
        return SurveyScheduled(survey_id=existing.id, project_id=project_id, status=existing.status,
                               due_at=existing.due_at, created=False)
    delivered = project.completed_at or utcnow()
    survey = NpsSurvey(project_id=project.id, client_id=project.client_id, status="scheduled",
                       nonce=secrets.token_urlsafe(24), due_at=delivered + timedelta(days=ctx.settings.nps_delay_days))
    ctx.session.add(survey)
    try:
        await ctx.session.flush()
    except IntegrityError:
        # Another worker scheduled it at the same moment: the unique index kept one.
        raise SurveyAlreadyOpen(project_id, 0, None) from None
    ctx.audit("nps.survey_scheduled", f"project:{project.id}", survey_id=survey.id, due_at=survey.due_at)
    ctx.emit("nps.survey_scheduled", project_id=project.id, survey_id=survey.id, due_at=survey.due_at)
    return SurveyScheduled(survey_id=survey.id, project_id=project.id, status=survey.status,
                           due_at=survey.due_at, created=True)


async def send_nps_survey(ctx: OperationContext, project_id: int) -> SurveySent:
    """Open a survey for a delivered project and send its signed link: by e-mail when SMTP is set
    up, and always in the project's Slack thread. Refused while another survey is open."""
    ctx.check_policy("send_nps_survey")
    now = utcnow()
    project = await load_project(ctx.session, project_id, lock=True)
    if project.status not in SURVEYABLE:
        raise ProjectNotDelivered(project_id, project.status)
    client = await ctx.session.get(Client, project.client_id)
    assert client is not None  # foreign key
    survey = await _open_survey(ctx.session, project_id)
    if survey is not None and survey.status == "open":
        if survey.expires_at and survey.expires_at > now:
            raise SurveyAlreadyOpen(project_id, survey.id, survey.expires_at)
        survey.status = "expired"
        await ctx.session.flush()
        survey = None
    if survey is None:
        survey = NpsSurvey(project_id=project.id, client_id=client.id)
        ctx.session.add(survey)
    survey.status = "open"
    survey.nonce = secrets.token_urlsafe(24)
    survey.language = pick_language((client.metadata_ or {}).get("language"))
    survey.sent_at = now
    survey.expires_at = now + timedelta(days=ctx.settings.nps_link_days)
    try:
        await ctx.session.flush()
    except IntegrityError:
        raise SurveyAlreadyOpen(project_id, 0, None) from None
    link = survey_link(ctx.settings, sign_survey(ctx.settings, survey.id, project.id, survey.nonce))
    email_to = client.email if ctx.settings.smtp_host and client.email else None
    ctx.session.add(Interaction(client_id=client.id, lead_id=project.lead_id, project_id=project.id, kind="survey",
                                channel="email" if email_to else "slack", actor=ctx.actor.label,
                                summary=f"NPS survey #{survey.id} sent", metadata_={"survey_id": survey.id},
                                **grace_trail(ctx.actor)))
    await ctx.session.flush()
    ctx.audit("nps.survey_sent", f"project:{project.id}", survey_id=survey.id, expires_at=survey.expires_at,
              emailed=bool(email_to), language=survey.language)
    ctx.emit("nps.survey_sent", project_id=project.id, survey_id=survey.id, client_id=client.id)
    _announce(ctx, project, client, survey, link, email_to)
    return SurveySent(survey_id=survey.id, project_id=project.id, link=link, expires_at=survey.expires_at,
                      language=survey.language, emailed_to=email_to)


def _announce(ctx: OperationContext, project: Project, client: Client, survey: NpsSurvey, link: str,
              email_to: str | None) -> None:
    services, settings = ctx.services, ctx.settings
    channel = project.slack_channel or settings.leads_channel or None
    thread_ts = project.slack_thread_ts if project.slack_channel else None
    text = (f"NPS survey sent for project #{project.id} “{escape_mrkdwn(project.title)}” to {escape_mrkdwn(client.name)}"
            f"{f' ({escape_mrkdwn(email_to)})' if email_to else ''}. Link to forward (valid until "
            f"{survey.expires_at:%Y-%m-%d}): {link}")
    survey_id = survey.id

    async def post_to_slack() -> None:
        await services.notifier.post(channel, text, thread_ts=thread_ts, key=f"nps-survey:{survey_id}")

    ctx.after_commit(post_to_slack)
    if not email_to:
        return
    message = survey_email(settings, to=email_to, name=client.name, project=project.title, link=link,
                           expires_at=survey.expires_at, language=survey.language)  # type: ignore[arg-type]

    async def send_mail() -> None:
        await send_email(settings, message)
        async with services.session_factory() as session:
            await session.execute(update(NpsSurvey).where(NpsSurvey.id == survey_id).values(emailed=True))
            await session.commit()

    ctx.after_commit(send_mail)


async def resolve_survey(session: AsyncSession, settings: Settings, token: str, *, now: datetime | None = None,
                         for_update: bool = False) -> NpsSurvey:
    """The survey a link opens, or the reason it does not: invalid, not found, expired, closed."""
    claim = read_token(settings, token)
    stmt = select(NpsSurvey).where(NpsSurvey.id == claim.survey_id)
    if for_update and dialect_name(session) == "postgresql":
        stmt = stmt.with_for_update()
    survey = (await session.execute(stmt)).scalar_one_or_none()
    if survey is None:
        raise SurveyNotFound(claim.survey_id)
    if survey.project_id != claim.project_id or not secrets.compare_digest(survey.nonce, claim.nonce):
        raise SurveyLinkInvalid("The survey link does not belong to this survey.")
    now = now or utcnow()
    if survey.status == "answered":
        until = update_deadline(settings, survey)
        if now > until:
            raise SurveyClosed(until, language=survey.language)
        return survey
    if survey.status != "open" or survey.expires_at is None or now > survey.expires_at:
        raise SurveyLinkExpired(survey.expires_at, language=survey.language)
    return survey


def update_deadline(settings: Settings, survey: NpsSurvey) -> datetime:
    assert survey.answered_at is not None
    return survey.answered_at + timedelta(days=settings.nps_update_days)


async def send_due_surveys(services: Services, now: datetime | None = None) -> DueSurveysReport:
    """Send every scheduled survey whose day has come, each in its own unit of work (the cron job)."""
    now = now or utcnow()
    async with services.session_factory() as session:
        due = (await session.execute(select(NpsSurvey.project_id).where(
            NpsSurvey.status == "scheduled", NpsSurvey.due_at <= now).order_by(NpsSurvey.due_at))).scalars().all()
    report = DueSurveysReport()
    for project_id in due:
        try:
            async with unit_of_work(services, Actor.system("nps-scheduler")) as ctx:
                await send_nps_survey(ctx, project_id)
            report.sent.append(project_id)
        except GraceError as exc:
            log.warning("NPS survey for project %s not sent: %s", project_id, exc.message)
            report.skipped[project_id] = exc.message
    return report
