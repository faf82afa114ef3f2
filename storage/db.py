"""Engine and session factory from a URL."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(url: str, *, pool_size: int = 10, max_overflow: int = 20, echo: bool = False,
                  pre_ping: bool = False, pool_recycle: int = 1800) -> AsyncEngine:
    """An async engine for PostgreSQL (asyncpg) or SQLite (aiosqlite).

    SQLite gets WAL, foreign keys, a busy timeout and `BEGIN IMMEDIATE`, so that
    concurrent writers in one process queue up instead of failing on lock upgrades.

    PostgreSQL connections are not pinged before each use by default: the ping is a round trip
    on every transaction (a tenth of a lead capture's). SQLAlchemy still notices a dropped
    connection when it is used, fails that one request and replaces the whole pool, and
    `pool_recycle` retires connections before idle-timeouts on the way can cut them.
    """
    kwargs: dict[str, Any] = {"echo": echo}
    if is_sqlite(url):
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs.update(pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=pre_ping,
                      pool_recycle=pool_recycle)
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin() emit BEGIN itself (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def dialect_name(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def insert_ignore(session: AsyncSession, model: Any, values: dict[str, Any],
                        conflict: list[str] | None = None) -> int | None:
    """INSERT .. ON CONFLICT DO NOTHING RETURNING id, on PostgreSQL and SQLite alike.

    Returns the new row's id, or None when a unique constraint (`conflict` columns, or any
    when None) already holds such a row. The database decides, so concurrent callers race safely.
    """
    stmt = _insert_ignore_stmt(dialect_name(session), model.__table__, tuple(conflict or ()))
    new_id = (await session.execute(stmt, values)).scalar_one_or_none()
    return None if new_id is None else int(new_id)


@functools.lru_cache(maxsize=64)
def _insert_ignore_stmt(dialect: str, table: Any, conflict: tuple[str, ...]) -> Any:
    """Built once per table: the values travel as parameters, so SQLAlchemy's compiled cache hits."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=list(conflict) or None).returning(table.c.id)


async def insert_returning_id(session: AsyncSession, model: Any, values: dict[str, Any]) -> int:
    """INSERT one row through a statement built once per table; the new id. Column defaults apply."""
    return int((await session.execute(_insert_stmt(model.__table__, True), values)).scalar_one())


async def insert_row(session: AsyncSession, model: Any, values: dict[str, Any]) -> None:
    await session.execute(_insert_stmt(model.__table__, False), values)


@functools.lru_cache(maxsize=64)
def _insert_stmt(table: Any, returning: bool) -> Any:
    stmt = insert(table)
    return stmt.returning(table.c.id) if returning else stmt


async def fetch_by_id(session: AsyncSession, model: Any, row_id: int, *, lock: bool = False) -> Any | None:
    """The row with this id, or None, read afresh from the database.

    `lock` takes a row lock (SELECT .. FOR UPDATE) on PostgreSQL; on SQLite every write
    transaction already holds the database's write lock (`BEGIN IMMEDIATE`).
    """
    stmt = select(model).where(model.id == row_id).execution_options(populate_existing=True)
    if lock and dialect_name(session) == "postgresql":
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()
