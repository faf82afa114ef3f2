"""`grace worker`: runs arq job workers on Redis (builds, vote expiry, and every registered job)."""

from __future__ import annotations

import typer

from bot.cli.common import console, fail, migrate_database, settings


def register(app: typer.Typer) -> None:
    @app.command("worker")
    def worker_cmd(
        burst: bool = typer.Option(False, help="Run the queued jobs, then stop."),
    ) -> None:
        """Run a job worker (needs GRACE_REDIS_URL; without Redis, `grace serve` runs jobs in-process)."""
        s = settings()
        if not s.redis_url:
            fail("grace worker needs Redis: set GRACE_REDIS_URL (e.g. redis://127.0.0.1:6379/0). "
                 "Without Redis, `grace serve` runs the same jobs in its own process.", code=2)
        from arq.worker import Worker  # deferred for start-up time, with the worker's wiring below

        from bot.observability import configure_logging
        from bot.worker import worker_options

        configure_logging(s)
        migrate_database(s)
        console.print(f"Grace worker on {s.redis_url.split('@')[-1]} (queue {s.queue_name})", markup=False)
        worker = Worker(**worker_options(s), burst=burst)
        worker.run()
