"""The build: each unfinished milestone's documents written and stored, progress saved after each.

Resumable and idempotent: finished milestones are skipped, artifacts are unique per
(project, milestone, name) and inserted with ON CONFLICT DO NOTHING, and every
milestone is saved in its own transaction under the project's row lock. A project
that is no longer `in_progress` (cancelled, failed) stops the build at the next step.
"""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from engine.actors import Actor
from engine.context import OperationContext, Services, unit_of_work
from engine.delivery.deliver import build_job_id, lock_project
from engine.delivery.notices import project_notice
from engine.delivery.schemas import BuildOutcome
from engine.delivery.views import refresh_project_vote
from engine.delivery.writer import build_writer_for, deliverable_items, describe_timeline
from engine.errors import OutputBlocked, ProjectNotDeliverable, ProjectNotFound
from engine.hunter import guard_output
from engine.hunter.detectors.markup import escape_mrkdwn
from engine.pipeline.leads import load_lead
from engine.pipeline.moves import set_stage
from engine.pipeline.stages import ALLOWED_MOVES, Stage
from engine.ports import Document, MilestoneBrief
from engine.statuses import ProjectStatus
from storage.db import insert_ignore
from storage.models import Client, Milestone, Project, ProjectArtifact
from storage.types import utcnow

log = logging.getLogger(__name__)
BUILDER = Actor.system("builder")


async def run_build(services: Services, project_id: int) -> BuildOutcome:
    """Build every unfinished milestone of an `in_progress` project, then mark it delivered."""
    writer = build_writer_for(services)
    built: list[int] = []
    while True:
        brief = await _next_brief(services, project_id)
        if brief is None:
            break
        documents = await writer.write(brief)  # outside any transaction: may be slow
        try:
            documents = guard_documents(documents)
        except OutputBlocked as e:  # never stored, never posted: the build fails with the reason
            await fail_build(services, project_id, f"milestone {brief.milestone_seq} ({brief.milestone_name}): "
                                                   f"{e.message}")
            async with services.session_factory() as session:
                project = await session.get(Project, project_id)
                progress = project.progress if project else 0.0
            return BuildOutcome(project_id=project_id, status="failed", progress=progress, built=built)
        async with unit_of_work(services, BUILDER) as ctx:
            if await _save_milestone(ctx, project_id, brief.milestone_id, documents):
                built.append(brief.milestone_id)
    async with unit_of_work(services, BUILDER) as ctx:
        return await _finish(ctx, project_id, built)


def guard_documents(documents: list[Document]) -> list[Document]:
    """Hunter on what the writer (offline or a model) produced, before it becomes an artifact or a
    Slack message: secrets, cards, mass mentions and disguised links masked; a script raises
    `OutputBlocked`."""
    out = []
    for d in documents:
        clean = guard_output({"name": d.name, "content": d.content}, kind="output", action="build_artifact")
        out.append(d.model_copy(update=clean))
    return out


async def _next_brief(services: Services, project_id: int) -> MilestoneBrief | None:
    async with services.session_factory() as session:
        project = await session.get(Project, project_id)
        if project is None:
            raise ProjectNotFound(project_id)
        if project.status != ProjectStatus.IN_PROGRESS:
            return None
        milestones = (await session.execute(select(Milestone).where(Milestone.project_id == project_id)
                                            .order_by(Milestone.seq))).scalars().all()
        pending = [m for m in milestones if m.status != "done"]
        if not pending:
            return None
        m = pending[0]
        client = await session.get(Client, project.client_id)
        own = deliverable_items((m.metadata_ or {}).get("deliverables"))
        return MilestoneBrief(
            project_id=project.id, project_title=project.title, client_name=client.name if client else "",
            client_company=client.company if client else None, scope=project.scope, description=project.description,
            deliverables=own or deliverable_items(project.deliverables), timeline=describe_timeline(project.timeline),
            milestone_id=m.id, milestone_seq=m.seq, milestone_name=m.name, milestone_description=m.description,
            milestone_due_at=m.due_at, milestone_count=len(milestones),
        )


async def _save_milestone(ctx: OperationContext, project_id: int, milestone_id: int,
                          documents: list[Document]) -> bool:
    project = await lock_project(ctx.session, project_id)
    if project.status != ProjectStatus.IN_PROGRESS:
        return False  # cancelled or failed while the documents were written: keep nothing
    milestone = await ctx.session.get(Milestone, milestone_id, populate_existing=True)
    if milestone is None or milestone.status == "done":
        return False
    stored = [await _store_artifact(ctx.session, project_id, milestone_id, d) for d in documents]
    milestone.status, milestone.completed_at = "done", utcnow()
    await ctx.session.flush()
    done, total = await _counts(ctx.session, project_id)
    project.progress = round(done / total, 4)
    await ctx.session.flush()
    ctx.audit("project.milestone_built", f"project:{project_id}", milestone_id=milestone_id, seq=milestone.seq,
              progress=project.progress, artifacts=[{"name": n, "sha256": h} for n, h in stored])
    ctx.emit("project.progress", project_id=project_id, progress=project.progress, done=done, total=total,
             milestone_id=milestone_id, milestone=milestone.name)
    text = f"Project #{project_id}: milestone {milestone.seq} \u201c{escape_mrkdwn(milestone.name)}\u201d built ({done}/{total}, " \
           f"{project.progress:.0%}) — {escape_mrkdwn(', '.join(n for n, _ in stored))}."
    services = ctx.services
    ctx.after_commit(lambda: project_notice(services, project_id, text,
                                            key=f"project:{project_id}:milestone:{milestone_id}:built"))
    ctx.after_commit(lambda: refresh_project_vote(services, project_id))
    return True


async def _store_artifact(session: AsyncSession, project_id: int, milestone_id: int,
                          doc: Document) -> tuple[str, str]:
    digest = hashlib.sha256(doc.content.encode()).hexdigest()
    await insert_ignore(session, ProjectArtifact, {
        "project_id": project_id, "milestone_id": milestone_id, "name": doc.name[:300], "media_type": doc.media_type,
        "content": doc.content, "sha256": digest, "created_at": utcnow(),
    }, ["project_id", "milestone_id", "name"])
    return doc.name[:300], digest


async def _counts(session: AsyncSession, project_id: int) -> tuple[int, int]:
    rows = (await session.execute(select(Milestone.status, func.count()).where(Milestone.project_id == project_id)
                                  .group_by(Milestone.status))).all()
    total = sum(n for _, n in rows)
    return sum(n for s, n in rows if s == "done"), max(total, 1)


async def _finish(ctx: OperationContext, project_id: int, built: list[int]) -> BuildOutcome:
    project = await lock_project(ctx.session, project_id)
    done, total = await _counts(ctx.session, project_id)
    if project.status != ProjectStatus.IN_PROGRESS or done < total:
        return BuildOutcome(project_id=project_id, status=project.status, progress=project.progress, built=built)
    now = utcnow()
    project.status, project.progress, project.completed_at = ProjectStatus.DELIVERED, 1.0, now
    project.end_date = now.date()
    note = None
    if project.lead_id is not None:
        lead = await load_lead(ctx.session, project.lead_id, for_update=True)
        if Stage.DELIVERED in ALLOWED_MOVES[Stage(lead.stage)]:
            await set_stage(ctx, lead, Stage.DELIVERED, f"project #{project_id} delivered")
        elif lead.stage != Stage.DELIVERED.value:
            note = f"lead #{lead.id} left at {lead.stage}"
    await ctx.session.flush()
    ctx.audit("project.delivered", f"project:{project_id}", milestones=total, note=note)
    duration = (now - project.started_at).total_seconds() if project.started_at else None
    ctx.emit("project.delivered", project_id=project_id, client_id=project.client_id, lead_id=project.lead_id,
             duration_seconds=duration)
    services = ctx.services
    ctx.after_commit(lambda: project_notice(services, project_id,
                                            f"Project #{project_id} \u201c{escape_mrkdwn(project.title)}\u201d is delivered: "
                                            f"{total} milestone(s) built.", key=f"project:{project_id}:delivered"))
    ctx.after_commit(lambda: refresh_project_vote(services, project_id))
    return BuildOutcome(project_id=project_id, status="delivered", progress=1.0, built=built)


async def fail_build(services: Services, project_id: int, reason: str) -> bool:
    """Mark an in-progress build failed, with the reason, and tell the team. False if it was not running."""
    async with unit_of_work(services, BUILDER) as ctx:
        project = await lock_project(ctx.session, project_id)
        if project.status != ProjectStatus.IN_PROGRESS:
            return False
        run = (project.metadata_ or {}).get("build_run", 1)
        project.status, project.failure_reason = ProjectStatus.FAILED, reason[:2000]
        await ctx.session.flush()
        ctx.audit("project.build_failed", f"project:{project_id}", reason=reason[:2000], run=run)
        ctx.emit("project.failed", project_id=project_id, reason=reason[:500])
        text = (f"The build of project #{project_id} failed and was stopped: {escape_mrkdwn(reason[:500])}. "
                f"Fix the cause, then deliver it again: finished milestones are kept.")
        ctx.after_commit(lambda: project_notice(services, project_id, text, key=f"project:{project_id}:run:{run}:failed"))
        alerts = services.settings.alerts_channel
        if alerts:
            ctx.after_commit(lambda: services.notifier.post(alerts, text, key=f"project:{project_id}:run:{run}:failed:alert"))
        ctx.after_commit(lambda: refresh_project_vote(services, project_id))
        return True


async def cancel_build(ctx: OperationContext, project_id: int) -> BuildOutcome:
    """Stop a running build (approvers and delivery): the project is `cancelled`, the job aborted."""
    ctx.check_policy("cancel_build")
    project = await lock_project(ctx.session, project_id)
    if project.status not in (ProjectStatus.IN_PROGRESS, ProjectStatus.AWAITING_APPROVAL):
        raise ProjectNotDeliverable(f"Project #{project_id} has no build to cancel (it is {project.status}).",
                                    project_id=project_id, status=project.status)
    run = (project.metadata_ or {}).get("build_run", 0)
    project.status = ProjectStatus.CANCELLED
    await ctx.session.flush()
    ctx.audit("project.build_cancelled", f"project:{project_id}", run=run)
    ctx.emit("project.cancelled", project_id=project_id)
    queue, services = ctx.services.queue, ctx.services
    abort = getattr(queue, "abort", None)
    if abort is not None:
        ctx.after_commit(lambda: _abort(abort, build_job_id(project_id)))
    who = ctx.actor.name or ctx.actor.label
    ctx.after_commit(lambda: project_notice(services, project_id, f"Build of project #{project_id} cancelled by {who}.",
                                            key=f"project:{project_id}:run:{run}:cancelled"))
    ctx.after_commit(lambda: refresh_project_vote(services, project_id))
    return BuildOutcome(project_id=project_id, status="cancelled", progress=project.progress)


async def _abort(abort: object, job_id: str) -> None:

    try:
        await abort(job_id)  # type: ignore[operator]
    except TimeoutError:
        pass  # the abort is requested; the job stops at its next step anyway (status is cancelled)
