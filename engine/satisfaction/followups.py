"""What happens after an answer: the next action on the lead, a Slack alert, a repeat opportunity."""

from __future__ import annotations

from datetime import datetime, timedelta

from engine.context import OperationContext
from engine.hunter.detectors.markup import escape_mrkdwn
from engine.pipeline.stages import Stage
from engine.satisfaction.nps_arithmetic import DETRACTOR, PASSIVE, PROMOTER
from storage.models import Client, Lead, LeadStageHistory, NpsSurvey, Project
from storage.types import utcnow


def add_business_days(start: datetime, days: int) -> datetime:
    """`days` working days (Monday-Friday) after `start`, same time of day."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def _owner_mention(lead: Lead | None, project: Project) -> str:
    owner = (lead.metadata_ or {}).get("owner") if lead else None
    owner = owner or (project.metadata_ or {}).get("owner")
    if isinstance(owner, str) and owner[:1] in ("U", "W") and owner.isalnum():
        return f"<@{owner}> "
    return ""


def _set_next_action(lead: Lead | None, text: str, due: datetime) -> None:
    if lead is not None:
        lead.next_action = text
        lead.next_action_date = due


async def apply_followups(ctx: OperationContext, survey: NpsSurvey, project: Project, client: Client,
                          lead: Lead | None) -> list[str]:
    """Act on the survey's category; each effect happens at most once per survey. Returns what was done."""
    done: list[str] = []
    now = utcnow()
    meta = dict(survey.metadata_ or {})
    comment = survey.comment or ""
    quoted = f" Comment: “{comment[:500]}”" if comment else " No comment."
    if survey.category == DETRACTOR:
        due = add_business_days(now, 1)
        _set_next_action(lead, f"Call {client.name} about their NPS {survey.score}/10 on “{project.title}” "
                               f"and agree on a fix.{quoted}", due)
        done.append(f"next action due {due:%Y-%m-%d}: call the client")
        text = (f":rotating_light: {_owner_mention(lead, project)}Detractor: {escape_mrkdwn(client.name)} scored "
                f"project #{project.id} “{escape_mrkdwn(project.title)}” {survey.score}/10.{escape_mrkdwn(quoted)} "
                f"Next action: call them by {due:%a %Y-%m-%d}"
                + (f" (lead #{lead.id})." if lead else "."))
        services, survey_id = ctx.services, survey.id

        async def alert() -> None:
            await services.notifier.post(services.settings.alerts_channel or None, text,
                                         key=f"nps-detractor:{survey_id}")

        ctx.after_commit(alert)
        done.append("Slack alert to the account owner")
    elif survey.category == PASSIVE:
        due = add_business_days(now, 3)
        _set_next_action(lead, f"Check in with {client.name}: NPS {survey.score}/10 on “{project.title}”. "
                               f"Ask what would make it a 10.{quoted}", due)
        done.append(f"next action due {due:%Y-%m-%d}: check in")
    elif survey.category == PROMOTER:
        due = add_business_days(now, 2)
        _set_next_action(lead, f"Ask {client.name} for a testimonial and a referral "
                               f"(NPS {survey.score}/10 on “{project.title}”).", due)
        done.append("next action: ask for a testimonial and a referral")
        if not meta.get("repeat_lead_id"):
            repeat = await _repeat_opportunity(ctx, survey, project, client, lead)
            meta["repeat_lead_id"] = repeat.id
            done.append(f"REPEAT opportunity lead #{repeat.id}")
    survey.metadata_ = {**meta, "followups": done}
    return done


async def _repeat_opportunity(ctx: OperationContext, survey: NpsSurvey, project: Project, client: Client,
                              lead: Lead | None) -> Lead:
    now = utcnow()
    repeat = Lead(
        client_id=client.id, source=lead.source if lead else "referral", stage=Stage.REPEAT.value,
        currency=project.currency, project_type=lead.project_type if lead else None,
        notes=f"Repeat opportunity: {client.name} is a promoter (NPS {survey.score}/10) after project "
              f"#{project.id} “{project.title}”.",
        next_action=f"Propose a follow-up project to {client.name}", next_action_date=add_business_days(now, 5),
        stage_changed_at=now, last_contact_at=now,
        metadata_={"origin": "nps_promoter", "project_id": project.id, "survey_id": survey.id,
                   "previous_lead_id": lead.id if lead else None},
    )
    ctx.session.add(repeat)
    await ctx.session.flush()
    ctx.session.add(LeadStageHistory(lead_id=repeat.id, from_stage=None, to_stage=Stage.REPEAT.value,
                                     actor=ctx.actor.label, at=now,
                                     reason=f"repeat opportunity from NPS promoter on project #{project.id}"))
    await ctx.session.flush()
    ctx.audit("lead.repeat_opportunity", f"lead:{repeat.id}", project_id=project.id, survey_id=survey.id)
    ctx.emit("lead.captured", lead_id=repeat.id, client_id=client.id, source=repeat.source, stage=repeat.stage,
             name=client.name, company=client.company, budget=None)
    return repeat
