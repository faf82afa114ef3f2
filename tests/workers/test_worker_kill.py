"""A real `grace worker` process killed with SIGKILL in the middle of a build; another finishes it."""

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.services import build_services, close_services
from engine.delivery.deliver import deliver_project
from storage.models import AuditEntry, Project, ProjectArtifact
from tests.conftest import op
from tests.helpers.delivery import DELIVERY, make_project

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)
GRACE = Path(sys.executable).with_name("grace")
MILESTONES = 6


@pytest_asyncio.fixture
async def arq_services(settings, redis_url):
    settings = settings.model_copy(update={"redis_url": redis_url,
                                           "queue_name": f"grace:test:{uuid.uuid4().hex[:10]}"})
    services = await build_services(settings)
    yield services
    await close_services(services)


def start_worker(services, tmp_path, *args, delay="0.5"):
    s = services.settings
    env = {**os.environ, "GRACE_DATABASE_URL": s.database_url, "GRACE_REDIS_URL": s.redis_url,
           "GRACE_QUEUE_NAME": s.queue_name, "GRACE_DATA_DIR": str(tmp_path / "worker"),
           "GRACE_SECRET_KEY": "test-secret-key", "GRACE_BUILD_STEP_DELAY_SECONDS": delay,
           "GRACE_LOG_LEVEL": "WARNING"}
    return subprocess.Popen([str(GRACE), "worker", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)


async def progress_of(services, pid):
    async with services.session_factory() as s:
        p = await s.get(Project, pid)
        return p.status, p.progress


async def test_killed_worker_build_is_finished_by_another(arq_services, tmp_path):
    pid = await make_project(arq_services, price="3000", milestones=MILESTONES)
    res = await op(arq_services, DELIVERY, deliver_project, pid)
    assert res.job_id == f"build:{pid}"
    seen: list[float] = []

    first = start_worker(arq_services, tmp_path)
    try:
        for _ in range(600):
            status, progress = await progress_of(arq_services, pid)
            seen.append(progress)
            if progress >= 2 / MILESTONES:
                break
            assert first.poll() is None, first.stdout.read().decode()
            await asyncio.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        assert first.wait(10) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
    status, progress = await progress_of(arq_services, pid)
    assert status == "in_progress" and 0 < progress < 1, "the build must be cut in the middle"

    # arq keeps a dead worker's lease on the job for (longest job timeout + 10 s); expire it now
    # instead of waiting, as Redis would once the lease ran out.
    pool = await arq_services.queue._get_pool()
    assert await pool.delete(f"arq:in-progress:build:{pid}") == 1

    second = start_worker(arq_services, tmp_path, "--burst", delay="0.05")
    try:
        while second.poll() is None:
            seen.append((await progress_of(arq_services, pid))[1])
            await asyncio.sleep(0.05)
        out = second.stdout.read().decode()
        assert second.returncode == 0, out
    finally:
        if second.poll() is None:
            second.kill()
    status, progress = await progress_of(arq_services, pid)
    seen.append(progress)
    assert (status, progress) == ("delivered", 1.0)
    assert seen == sorted(seen), "progress never goes back"
    async with arq_services.session_factory() as s:
        artifacts = (await s.execute(select(ProjectArtifact.milestone_id, ProjectArtifact.name)
                                     .where(ProjectArtifact.project_id == pid))).all()
        built = [d["progress"] for d in (await s.execute(select(AuditEntry.details).where(
            AuditEntry.action == "project.milestone_built").order_by(AuditEntry.seq))).scalars()]
    assert len(artifacts) == len(set(artifacts)) == 2 * MILESTONES
    assert built == sorted(set(built)) and len(built) == MILESTONES  # each milestone built once, in order
