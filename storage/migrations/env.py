"""Alembic environment: async engine, batch mode on SQLite."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from storage.db import create_engine
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    """The database to migrate: given by the caller (`grace migrate` passes the app's URL), or
    GRACE_DATABASE_URL for a bare `alembic` command. Storage reads no settings of the app."""
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("GRACE_DATABASE_URL", "")
    if not url:
        raise SystemExit("No database to migrate: set GRACE_DATABASE_URL (or run `grace migrate`, which uses the "
                         "app's settings).")
    return url


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(_url())
    async with engine.connect() as conn:
        await conn.run_sync(_run)
        await conn.commit()
    await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async())


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
