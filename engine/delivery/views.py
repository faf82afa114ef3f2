"""Reading a project's delivery: status, progress, milestones and artifacts."""

from __future__ import annotations

from sqlalchemy import select

from engine.context import OperationContext, Services
from engine.delivery.schemas import ArtifactView, MilestoneView, ProjectDeliveryView
from engine.errors import InvalidInput, NotFound, ProjectNotFound
from engine.parliament.schemas import SUBJECT_PROJECT_DELIVERY
from engine.parliament.vote_board import board_for
from engine.proposals.plans import project_deliverables
from storage.models import Milestone, Project, ProjectArtifact, VoteSession


async def get_project_delivery(ctx: OperationContext, project_id: int) -> ProjectDeliveryView:
    ctx.check_policy("view_delivery")
    project = await ctx.session.get(Project, project_id)
    if project is None:
        raise ProjectNotFound(project_id)
    milestones = (await ctx.session.execute(select(Milestone).where(Milestone.project_id == project_id)
                                            .order_by(Milestone.seq))).scalars().all()
    artifacts = (await ctx.session.execute(
        select(ProjectArtifact.name, ProjectArtifact.sha256, ProjectArtifact.milestone_id, ProjectArtifact.media_type,
               ProjectArtifact.created_at).where(ProjectArtifact.project_id == project_id)
        .order_by(ProjectArtifact.milestone_id, ProjectArtifact.name))).all()
    vote_id = (await ctx.session.execute(select(VoteSession.id).where(
        VoteSession.subject_type == SUBJECT_PROJECT_DELIVERY, VoteSession.subject_id == project_id)
        .order_by(VoteSession.id.desc()).limit(1))).scalar_one_or_none()
    return ProjectDeliveryView(
        id=project.id, title=project.title, client_id=project.client_id, lead_id=project.lead_id,
        status=project.status, progress=project.progress, price=project.price, budget=project.budget,
        currency=project.currency, started_at=project.started_at, completed_at=project.completed_at,
        failure_reason=project.failure_reason, vote_id=vote_id, contract_signed=project.contract_signed,
        actual_cost=project.actual_cost, start_date=project.start_date, end_date=project.end_date,
        artifacts=[ArtifactView(name=a.name, sha256=a.sha256, milestone_id=a.milestone_id, media_type=a.media_type,
                                created_at=a.created_at) for a in artifacts],
        milestones=[MilestoneView(id=m.id, seq=m.seq, name=m.name, status=m.status, due_at=m.due_at,
                                  completed_at=m.completed_at, share=m.share, amount=m.amount) for m in milestones],
        deliverables=project_deliverables(project),
    )


async def get_artifact_content(ctx: OperationContext, project_id: int, name: str) -> str:
    ctx.check_policy("view_delivery")
    if not name or len(name) > 300:
        raise InvalidInput("An artifact name has 1 to 300 characters.", field="name")
    content = (await ctx.session.execute(select(ProjectArtifact.content).where(
        ProjectArtifact.project_id == project_id, ProjectArtifact.name == name).limit(1))).scalar_one_or_none()
    if content is None:
        raise NotFound(f"Project #{project_id} has no artifact named {name!r}.", field="name")
    return str(content)


async def delivery_state(services: Services, project_id: int) -> tuple[str | None, float | None]:
    """A project's status and progress, for whoever shows them (the vote message)."""
    async with services.session_factory() as session:
        row = (await session.execute(select(Project.status, Project.progress).where(Project.id == project_id))).first()
    return (row[0], row[1]) if row else (None, None)


async def refresh_project_vote(services: Services, project_id: int) -> None:
    """Redraw the project's latest vote message (its status line and Cancel button follow the build)."""
    async with services.session_factory() as session:
        vote_id = (await session.execute(select(VoteSession.id).where(
            VoteSession.subject_type == SUBJECT_PROJECT_DELIVERY, VoteSession.subject_id == project_id)
            .order_by(VoteSession.id.desc()).limit(1))).scalar_one_or_none()
    if vote_id is not None:
        await board_for(services).refresh(vote_id)
