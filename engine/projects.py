"""Loading a project, as every domain that works on one does."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from engine.errors import ProjectNotFound
from storage.db import fetch_by_id
from storage.models import Project


async def load_project(session: AsyncSession, project_id: int, *, lock: bool = False) -> Project:
    """The project, or `ProjectNotFound`; `lock` serialises concurrent writers of this project."""
    project: Project | None = await fetch_by_id(session, Project, project_id, lock=lock)
    if project is None:
        raise ProjectNotFound(project_id)
    return project
