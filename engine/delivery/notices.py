"""Messages about a project, in its Slack thread (keyed: each goes out once)."""

from __future__ import annotations

from sqlalchemy import update

from engine.context import Services
from storage.models import Project


async def project_notice(services: Services, project_id: int, text: str, *, key: str,
                         open_thread: bool = False) -> None:
    """Post in the project's thread; with `open_thread`, a project without one gets this message as its thread."""
    async with services.session_factory() as session:
        project = await session.get(Project, project_id)
        if project is None:
            return
        channel = project.slack_channel or services.settings.approvals_channel or None
        thread = project.slack_thread_ts
    ts = await services.notifier.post(channel, text, thread_ts=thread, key=key)
    if open_thread and thread is None and ts and channel:
        async with services.session_factory() as session:
            await session.execute(update(Project).where(Project.id == project_id, Project.slack_thread_ts.is_(None))
                                  .values(slack_channel=channel, slack_thread_ts=ts))
            await session.commit()
