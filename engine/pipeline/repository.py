"""The pipeline's hand-built SQL, for both databases: a capture's rows, the client upsert, a
lead's UPDATE and a stage move's statements. Statements are built once per shape (the values
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
from sqlalchemy.ext.asyncio import AsyncSession

from engine.context import OperationContext
from engine.pipeline.schemas import LeadInput
from storage.db import insert_ignore, insert_returning_id, insert_row
from storage.models import Client, Interaction, Lead, LeadStageHistory
from storage.types import utcnow

# Fields of a client that a later capture may fill in when they are still empty.
CLIENT_FILLABLE = ("company", "industry", "country", "timezone", "budget_range", "phone")


@dataclass(frozen=True, slots=True)
class ClientRef:
    id: int
    name: str
    company: str | None


async def upsert_client(session: AsyncSession, data: LeadInput, currency: str,
                        *, overwrite: bool = False) -> tuple[ClientRef, bool]:
    """Find or create the client by e-mail (case-insensitive), race-free.

    The unique index on the lower-cased address decides: INSERT .. ON CONFLICT DO
    NOTHING; a new client is complete after that one statement. An existing one is read
    back: `overwrite` replaces known fields (CSV import); otherwise only empty ones are filled.
    """
    values = client_values(data, currency, utcnow())
    key = values["email_normalized"]
    new_id = await insert_ignore(session, Client, values, ["email_normalized"])
    if new_id is not None:
        return ClientRef(new_id, data.name, data.company), True
    client = (await session.execute(select(Client).where(Client.email_normalized == key))).scalar_one()
    for f in CLIENT_FILLABLE:
        v = getattr(data, f)
        if v is not None and (overwrite or getattr(client, f) is None):
            setattr(client, f, v)
    if overwrite:
        client.name = data.name
    if data.metadata:
        client.metadata_ = {**(client.metadata_ or {}), **data.metadata}
    return ClientRef(client.id, client.name, client.company), False


def client_values(data: LeadInput, currency: str, now: datetime) -> dict[str, Any]:
    return {
        "name": data.name, "email": data.email, "email_normalized": data.email.lower(), "currency": currency,
        "metadata": dict(data.metadata), "lifetime_value": 0, "project_count": 0,
        "created_at": now, "updated_at": now, "first_contact_at": now,
        **{f: getattr(data, f) for f in CLIENT_FILLABLE},
    }


async def insert_capture_postgresql(session: AsyncSession, client: dict[str, Any], lead: dict[str, Any],
                                     history: dict[str, Any], interaction: dict[str, Any]
                                     ) -> tuple[ClientRef, bool, int]:
    """Client upsert, lead, stage history and interaction in one statement (one round trip)."""
    params = {**{f"c_{k}": v for k, v in client.items()}, **{f"l_{k}": v for k, v in lead.items()},
              **{f"h_{k}": v for k, v in history.items()}, **{f"i_{k}": v for k, v in interaction.items()}}
    row = (await session.execute(capture_statement_postgresql(), params)).one()
    return ClientRef(row.client_id, row.name, row.company), bool(row.created), int(row.lead_id)


@functools.cache
def capture_statement_postgresql() -> Any:
    """WITH client AS (INSERT .. ON CONFLICT (email_normalized) DO UPDATE .. RETURNING), lead AS
    (INSERT .. RETURNING), history AS (INSERT), interaction AS (INSERT) SELECT ids.

    ON CONFLICT DO UPDATE rather than DO NOTHING: it returns the existing row even when another
    transaction committed it after this statement's snapshot (a SELECT in the same statement
    would not see it). The update only fills fields that are still empty and merges metadata,
    as `upsert_client` does; `xmax = 0` tells a new row from an updated one.
    """
    clients, leads, histories, interactions = (cast(Table, m.__table__) for m in (
        Client, Lead, LeadStageHistory, Interaction))
    c, lt = clients.c, leads.c
    ins = pg_insert(clients).values({k: bindparam(f"c_{k}") for k in (
        "name", "email", "email_normalized", "currency", "metadata", "lifetime_value", "project_count",
        "created_at", "updated_at", "first_contact_at", *CLIENT_FILLABLE)})
    ex = ins.excluded
    changed = or_(*[c[f].is_(None) & ex[f].is_not(None) for f in CLIENT_FILLABLE],
                  ex["metadata"] != literal_column("'{}'::jsonb"))
    client = ins.on_conflict_do_update(index_elements=["email_normalized"], set_={
        **{f: func.coalesce(c[f], ex[f]) for f in CLIENT_FILLABLE},
        "metadata": c["metadata"].op("||")(ex["metadata"]),
        "updated_at": case((changed, ex["updated_at"]), else_=c["updated_at"]),
    }).returning(c.id.label("client_id"), c.name, c.company, literal_column("(xmax = 0)").label("created")) \
        .cte("client")
    client_id = select(client.c.client_id).scalar_subquery()
    lead = (leads.insert()
            .values({"client_id": client_id, **{k: bindparam(f"l_{k}") for k in (
                "source", "stage", "furthest_rank", "requirements", "budget", "currency", "budget_range",
                "timeline", "project_type", "notes", "referrer", "metadata", "last_contact_at", "created_at",
                "updated_at", "stage_changed_at", "qualified", "qualification_data", "features")}})
            .returning(lt.id.label("lead_id"), lt.client_id).cte("lead"))
    lead_id = select(lead.c.lead_id).scalar_subquery()
    history = histories.insert().values(
        {"lead_id": lead_id, **{k: bindparam(f"h_{k}") for k in ("from_stage", "to_stage", "actor", "reason", "at")}}
    ).cte("history")
    interaction = interactions.insert().values(
        {"client_id": client_id, "lead_id": lead_id,
         **{k: bindparam(f"i_{k}") for k in ("kind", "channel", "actor", "occurred_at", "summary", "metadata")}}
    ).cte("interaction")
    return (select(client.c.client_id, client.c.name, client.c.company, client.c.created, lead.c.lead_id)
            .join_from(client, lead, lead.c.client_id == client.c.client_id)
            .add_cte(history, interaction))


async def write(ctx: OperationContext, statements: tuple[Any, ...], params: dict[str, Any], last_write: bool) -> None:
    """The statements in order, each with `params`; with `last_write` the last one carries the audit entries."""
    *first, last = statements
    for stmt in first:
        await ctx.session.execute(stmt, params)
    if last_write:
        await ctx.write_with_audit(last, params)
    else:
        await ctx.session.execute(last, params)


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
            session, client_values(data, currency, now),
            {**lead, "qualified": False, "qualification_data": {}, "features": {}}, history, interaction)
    client, created = await upsert_client(session, data, currency)
    lead_id = await insert_returning_id(session, Lead, {"client_id": client.id, **lead})
    await insert_row(session, LeadStageHistory, {"lead_id": lead_id, **history})
    await insert_row(session, Interaction, {"client_id": client.id, "lead_id": lead_id, **interaction})
    return client, created, lead_id
