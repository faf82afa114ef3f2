"""The pipeline's hand-built SQL, for both databases: a capture's rows, the client upsert (its
rule written once, `client_upsert`), a lead's UPDATE and a stage move's statements. Statements are built once per shape (the values
travel as parameters, so SQLAlchemy's compiled cache hits); on PostgreSQL a capture and a
stage move are one statement each (data-modifying CTEs), on SQLite a few in a row.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, func, literal_column, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from engine.context import OperationContext
from engine.pipeline.schemas import LeadInput
from storage.db import dialect_name, insert_ignore, insert_returning_id, insert_row
from storage.models import Client, Interaction, Lead, LeadStageHistory
from storage.types import utcnow

# Fields of a client that a later capture may fill in when they are still empty.
CLIENT_FILLABLE = ("company", "industry", "country", "timezone", "budget_range", "phone")


@dataclass(frozen=True, slots=True)
class ClientRef:
    id: int
    name: str
    company: str | None


class json_merge(FunctionElement[Any]):
    """`left` with the top-level keys of `right` written over it, as Python's `{**left, **right}`:
    PostgreSQL's `jsonb || jsonb`; on SQLite the same from `json_each` (its `json_patch` would merge
    nested objects and drop null values)."""

    inherit_cache = True
    name = "json_merge"


@compiles(json_merge, "postgresql")
def _json_merge_postgresql(element: json_merge, compiler: Any, **kw: Any) -> str:
    left, right = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"({left} || {right})"


@compiles(json_merge, "sqlite")
def _json_merge_sqlite(element: json_merge, compiler: Any, **kw: Any) -> str:
    left, right = (compiler.process(arg, **kw) for arg in element.clauses)
    # json_each gives objects and arrays as text and true/false as 1/0: made JSON again.
    value = ("CASE type WHEN 'true' THEN json('true') WHEN 'false' THEN json('false') "
             "WHEN 'object' THEN json(value) WHEN 'array' THEN json(value) ELSE value END")
    return (f"(SELECT json_group_object(key, {value}) FROM ("
            f"SELECT key, type, value FROM json_each({left}) WHERE key NOT IN (SELECT key FROM json_each({right})) "
            f"UNION ALL SELECT key, type, value FROM json_each({right})))")


CLIENT_COLUMNS = ("name", "email", "email_normalized", "currency", "metadata", "lifetime_value", "project_count",
                  "status", "created_at", "updated_at", "first_contact_at", *CLIENT_FILLABLE)


@functools.lru_cache(maxsize=16)
def client_upsert(dialect: str, *, overwrite: bool, merge_metadata: bool) -> Any:
    """The client upsert rule, written once for both databases: INSERT the client (`c_*` parameters)
    .. ON CONFLICT (email_normalized) DO UPDATE .. RETURNING its id, name and company, and on
    PostgreSQL whether it is new (`xmax = 0`).

    A known client gains the fields it lacks (`overwrite`, the CSV import: every field the row
    knows, and the name, replace the stored ones); `merge_metadata` merges the new metadata key by
    key. `updated_at` moves only when something changed. ON CONFLICT DO UPDATE rather than DO
    NOTHING: it returns the existing row even when another transaction committed it after this
    statement's snapshot (a SELECT in the same statement would not see it).
    """
    clients = cast(Table, Client.__table__)
    c = clients.c
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    ins = insert(clients).values({k: bindparam(f"c_{k}") for k in CLIENT_COLUMNS})
    ex = ins.excluded
    fields = (*CLIENT_FILLABLE, "name") if overwrite else CLIENT_FILLABLE
    new: dict[str, Any] = {f: func.coalesce(ex[f], c[f]) if overwrite else func.coalesce(c[f], ex[f])
                           for f in fields}
    changed = or_(*[c[f].is_distinct_from(v) for f, v in new.items()])
    # New metadata counts as a change (as PostgreSQL's jsonb sees it; SQLite keeps JSON as text).
    stamp = ex["updated_at"] if merge_metadata else case((changed, ex["updated_at"]), else_=c["updated_at"])
    if merge_metadata:
        new["metadata"] = json_merge(c["metadata"], ex["metadata"])
    returning = [c.id.label("client_id"), c.name, c.company]
    if dialect == "postgresql":
        returning.append(literal_column("(xmax = 0)").label("created"))
    return ins.on_conflict_do_update(index_elements=["email_normalized"], set_={**new, "updated_at": stamp}) \
        .returning(*returning)


def client_params(data: LeadInput, currency: str, now: datetime) -> dict[str, Any]:
    """`client_upsert`'s parameters: a new client's row."""
    return {f"c_{k}": v for k, v in client_values(data, currency, now).items()}


async def upsert_client(session: AsyncSession, data: LeadInput, currency: str,
                        *, overwrite: bool = False) -> tuple[ClientRef, bool]:
    """Find or create the client by e-mail (case-insensitive), race-free: the unique index on the
    lower-cased address decides, and a known client is updated by `client_upsert`'s rule.

    One statement on PostgreSQL. SQLite has no `xmax` to tell a new row: INSERT .. ON CONFLICT DO
    NOTHING first (a new client is complete after it), then the upsert for a known one.
    """
    params = client_params(data, currency, utcnow())
    dialect = dialect_name(session)
    stmt = client_upsert(dialect, overwrite=overwrite, merge_metadata=bool(data.metadata))
    if dialect == "postgresql":
        row = (await session.execute(stmt, params)).one()
        return ClientRef(row.client_id, row.name, row.company), bool(row.created)
    new_id = await insert_ignore(session, Client, {k.removeprefix("c_"): v for k, v in params.items()},
                                 ["email_normalized"])
    if new_id is not None:
        return ClientRef(new_id, data.name, data.company), True
    row = (await session.execute(stmt, params)).one()
    return ClientRef(row.client_id, row.name, row.company), False


def client_values(data: LeadInput, currency: str, now: datetime) -> dict[str, Any]:
    return {
        "name": data.name, "email": data.email, "email_normalized": data.email.lower(), "currency": currency,
        "metadata": dict(data.metadata), "lifetime_value": 0, "project_count": 0, "status": "prospect",
        "created_at": now, "updated_at": now, "first_contact_at": now,
        **{f: getattr(data, f) for f in CLIENT_FILLABLE},
    }


async def insert_capture_postgresql(session: AsyncSession, client: dict[str, Any], lead: dict[str, Any],
                                     history: dict[str, Any], interaction: dict[str, Any]
                                     ) -> tuple[ClientRef, bool, int]:
    """Client upsert, lead, stage history and interaction in one statement (one round trip)."""
    params = {**client, **{f"l_{k}": v for k, v in lead.items()},
              **{f"h_{k}": v for k, v in history.items()}, **{f"i_{k}": v for k, v in interaction.items()}}
    stmt = capture_statement_postgresql(merge_metadata=client["c_metadata"] != {})
    row = (await session.execute(stmt, params)).one()
    return ClientRef(row.client_id, row.name, row.company), bool(row.created), int(row.lead_id)


@functools.lru_cache(maxsize=2)
def capture_statement_postgresql(*, merge_metadata: bool) -> Any:
    """WITH client AS (`client_upsert`), lead AS (INSERT .. RETURNING), history AS (INSERT),
    interaction AS (INSERT) SELECT ids."""
    leads, histories, interactions = (cast(Table, m.__table__) for m in (Lead, LeadStageHistory, Interaction))
    lt = leads.c
    client = client_upsert("postgresql", overwrite=False, merge_metadata=merge_metadata).cte("client")
    client_id = select(client.c.client_id).scalar_subquery()
    lead = (leads.insert()
            .values({"client_id": client_id, **{k: bindparam(f"l_{k}") for k in (
                "source", "stage", "furthest_rank", "requirements", "budget", "currency", "budget_range",
                "timeline", "project_type", "notes", "referrer", "metadata", "value_estimate", "qualified_at",
                "converted_at", "last_contact_at", "created_at",
                "updated_at", "stage_changed_at", "qualified", "qualification_data", "features")}})
            .returning(lt.id.label("lead_id"), lt.client_id).cte("lead"))
    lead_id = select(lead.c.lead_id).scalar_subquery()
    history = histories.insert().values(
        {"lead_id": lead_id, **{k: bindparam(f"h_{k}") for k in ("from_stage", "to_stage", "actor", "reason", "at")}}
    ).cte("history")
    interaction = interactions.insert().values(
        {"client_id": client_id, "lead_id": lead_id,
         **{k: bindparam(f"i_{k}") for k in ("kind", "channel", "actor", "occurred_at", "summary", "metadata",
                                             "automated", "grace_generated")}}
    ).cte("interaction")
    return (select(client.c.client_id, client.c.name, client.c.company, client.c.created, lead.c.lead_id)
            .join_from(client, lead, lead.c.client_id == client.c.client_id)
            .add_cte(history, interaction))


async def write(ctx: OperationContext, statements: tuple[Any, ...], params: dict[str, Any]) -> None:
    """The statements in order, each with `params`. The last is deferred (`OperationContext.defer_write`):
    it runs with whatever the operation sends next, or, when it was the operation's last write, at
    commit inside the audit append (one round trip for both on PostgreSQL)."""
    *first, last = statements
    for stmt in first:
        await ctx.session.execute(stmt, params)
    await ctx.defer_write(last, params)


def lead_params(lead_id: int, values: dict[str, Any]) -> dict[str, Any]:
    return {"target_lead_id": lead_id, **{f"l_{k}": v for k, v in values.items()}}


@functools.lru_cache(maxsize=64)
def lead_update(columns: tuple[str, ...]) -> Any:
    """UPDATE of the lead `target_lead_id`, `columns` from `l_*` parameters; built once per set of
    columns. Column names are the lead's attribute names (asserted: `set_committed_value` takes
    those). No parameter is named like a column of the tables written: Core would add it to an
    UPDATE's SET."""
    leads = cast(Table, Lead.__table__)
    assert all(Lead.__mapper__.get_property_by_column(leads.c[c]).key == c for c in columns)
    return (update(leads).where(leads.c.id == bindparam("target_lead_id"))
            .values({leads.c[c]: bindparam(f"l_{c}") for c in columns}))


@functools.lru_cache(maxsize=64)
def move_statements(postgresql: bool, columns: tuple[str, ...]) -> tuple[Any, ...]:
    """The lead's UPDATE (`lead_update`), the open history row closed (`left_at`), the new
    history row (`h_*`): one statement on PostgreSQL, three on SQLite."""
    histories = cast(Table, LeadStageHistory.__table__)
    lead = lead_update(columns)
    close = (update(histories)
             .where(histories.c.lead_id == bindparam("target_lead_id"), histories.c.left_at.is_(None))
             .values(left_at=bindparam("h_at")))
    insert = histories.insert().values(
        {"lead_id": bindparam("target_lead_id"),
         **{k: bindparam(f"h_{k}") for k in ("from_stage", "to_stage", "actor", "reason", "at")}})
    if postgresql:
        # The CTEs and the INSERT share one snapshot: `close` cannot see the row being inserted.
        return (insert.add_cte(lead.cte("lead"), close.cte("closed")),)
    return lead, close, insert


async def insert_capture(session: AsyncSession, dialect: str, data: LeadInput, currency: str, now: datetime,
                         lead: dict[str, Any], history: dict[str, Any], interaction: dict[str, Any]
                         ) -> tuple[ClientRef, bool, int]:
    """A capture's rows: the client (found or created), the lead, its first stage-history row and
    the interaction. One statement on PostgreSQL; on SQLite the upsert, then three INSERTs."""
    if dialect == "postgresql":
        # Column defaults are not applied inside a CTE: the statement gets every value.
        return await insert_capture_postgresql(
            session, client_params(data, currency, now),
            {**lead, "qualified": False, "qualification_data": {}, "features": {}}, history, interaction)
    client, created = await upsert_client(session, data, currency)
    lead_id = await insert_returning_id(session, Lead, {"client_id": client.id, **lead})
    await insert_row(session, LeadStageHistory, {"lead_id": lead_id, **history})
    await insert_row(session, Interaction, {"client_id": client.id, "lead_id": lead_id, **interaction})
    return client, created, lead_id
