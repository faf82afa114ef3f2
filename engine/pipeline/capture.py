"""Capturing leads and moving them through the pipeline."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, func, literal_column, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from engine.actors import Role
from engine.cache import TTL_CLIENT, cached
from engine.context import OperationContext
from engine.errors import ClientNotFound, IllegalStageMove, InvalidInput, LeadNotFound, PolicyDenied
from engine.governance.policies import check_policy
from engine.hunter.guard import screen_lead
from engine.pipeline.schemas import (
    CaptureResult,
    ClientView,
    LeadInput,
    LeadPage,
    LeadView,
    StageMoveInput,
    StageMoveResult,
)
from engine.pipeline.stages import ALLOWED_MOVES, LOSABLE, RANK, WON, Stage, allowed_moves, parse_stage
from storage.db import dialect_name, insert_ignore, insert_returning_id, insert_row
from storage.models import Client, Interaction, Lead, LeadStageHistory
from storage.types import utcnow

# Fields of a client that a later capture may fill in when they are still empty.
_CLIENT_FILLABLE = ("company", "industry", "country", "timezone", "budget_range", "phone")


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
    values = _client_values(data, currency, utcnow())
    key = values["email_normalized"]
    new_id = await insert_ignore(session, Client, values, ["email_normalized"])
    if new_id is not None:
        return ClientRef(new_id, data.name, data.company), True
    client = (await session.execute(select(Client).where(Client.email_normalized == key))).scalar_one()
    for f in _CLIENT_FILLABLE:
        v = getattr(data, f)
        if v is not None and (overwrite or getattr(client, f) is None):
            setattr(client, f, v)
    if overwrite:
        client.name = data.name
    if data.metadata:
        client.metadata_ = {**(client.metadata_ or {}), **data.metadata}
    return ClientRef(client.id, client.name, client.company), False


async def capture_lead(ctx: OperationContext, data: LeadInput, *, initial_stage: Stage = Stage.LEAD) -> CaptureResult:
    """Create the client if new, then the lead and an interaction; audited; `lead.captured`."""
    check_policy("capture_lead", ctx.actor)
    _check_text_limits(ctx, data)
    data, hunted = await screen_lead(ctx, data)
    currency = data.currency or ctx.settings.currency
    now = utcnow()
    stage = initial_stage.value
    # Capture is the hottest write path (see bench/capture.py): Core statements built once.
    lead_values: dict[str, Any] = {
        "source": data.source.value, "stage": stage, "furthest_rank": RANK.get(stage, 0),
        "requirements": data.requirements, "budget": data.budget, "currency": currency,
        "budget_range": data.budget_range, "timeline": data.timeline, "project_type": data.project_type,
        "notes": data.notes, "referrer": data.referrer, "metadata": {**data.metadata, **hunted},
        "value_estimate": data.budget, "qualified_at": None, "converted_at": None,
        "last_contact_at": now, "created_at": now, "updated_at": now, "stage_changed_at": now,
    }
    lead_values.update(milestone_dates(None, initial_stage, now))
    history_values: dict[str, Any] = {"from_stage": None, "to_stage": stage, "actor": ctx.actor.label,
                                      "reason": f"captured from {data.source.value}", "at": now}
    interaction_values: dict[str, Any] = {
        "kind": "capture", "channel": data.source.value, "actor": ctx.actor.label, "occurred_at": now,
        "summary": (data.requirements or data.notes or "")[:500] or None, "metadata": {},
        "automated": ctx.actor.kind == "system", "grace_generated": False}
    if ctx.services.dialect == "postgresql":
        # Column defaults are not applied inside a CTE: the statement gets every value.
        client, created, lead_id = await _insert_capture_postgresql(
            ctx.session, _client_values(data, currency, now),
            {**lead_values, "qualified": False, "qualification_data": {}, "features": {}},
            history_values, interaction_values)
    else:
        client, created = await upsert_client(ctx.session, data, currency)
        lead_id = await insert_returning_id(ctx.session, Lead, {"client_id": client.id, **lead_values})
        await insert_row(ctx.session, LeadStageHistory, {"lead_id": lead_id, **history_values})
        await insert_row(ctx.session, Interaction, {"client_id": client.id, "lead_id": lead_id, **interaction_values})
    ctx.audit("lead.captured", f"lead:{lead_id}", client_id=client.id, source=data.source.value,
              created_client=created, budget=data.budget)
    ctx.emit("lead.captured", lead_id=lead_id, client_id=client.id, source=data.source.value,
             stage=stage, name=client.name, company=client.company, budget=data.budget)
    return CaptureResult(client_id=client.id, lead_id=lead_id, stage=stage, created_client=created)


def _client_values(data: LeadInput, currency: str, now: datetime) -> dict[str, Any]:
    return {
        "name": data.name, "email": data.email, "email_normalized": data.email.lower(), "currency": currency,
        "metadata": dict(data.metadata), "lifetime_value": 0, "project_count": 0, "status": "prospect",
        "created_at": now, "updated_at": now, "first_contact_at": now,
        **{f: getattr(data, f) for f in _CLIENT_FILLABLE},
    }


async def _insert_capture_postgresql(session: AsyncSession, client: dict[str, Any], lead: dict[str, Any],
                                     history: dict[str, Any], interaction: dict[str, Any]
                                     ) -> tuple[ClientRef, bool, int]:
    """Client upsert, lead, stage history and interaction in one statement (one round trip)."""
    params = {**{f"c_{k}": v for k, v in client.items()}, **{f"l_{k}": v for k, v in lead.items()},
              **{f"h_{k}": v for k, v in history.items()}, **{f"i_{k}": v for k, v in interaction.items()}}
    row = (await session.execute(_capture_statement_postgresql(), params)).one()
    return ClientRef(row.client_id, row.name, row.company), bool(row.created), int(row.lead_id)


@functools.cache
def _capture_statement_postgresql() -> Any:
    """WITH client AS (INSERT .. ON CONFLICT (email_normalized) DO UPDATE .. RETURNING), lead AS
    (INSERT .. RETURNING), history AS (INSERT), interaction AS (INSERT) SELECT ids.

    ON CONFLICT DO UPDATE rather than DO NOTHING: it returns the existing row even when another
    transaction committed it after this statement's snapshot (a SELECT in the same statement
    would not see it). The update only fills fields that are still empty and merges metadata,
    as `upsert_client` does; `xmax = 0` tells a new row from an updated one.
    """
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    clients, leads, histories, interactions = (cast(Table, m.__table__) for m in (
        Client, Lead, LeadStageHistory, Interaction))
    c, lt = clients.c, leads.c
    ins = pg_insert(clients).values({k: bindparam(f"c_{k}") for k in (
        "name", "email", "email_normalized", "currency", "metadata", "lifetime_value", "project_count", "status",
        "created_at", "updated_at", "first_contact_at", *_CLIENT_FILLABLE)})
    ex = ins.excluded
    changed = or_(*[c[f].is_(None) & ex[f].is_not(None) for f in _CLIENT_FILLABLE],
                  ex["metadata"] != literal_column("'{}'::jsonb"))
    client = ins.on_conflict_do_update(index_elements=["email_normalized"], set_={
        **{f: func.coalesce(c[f], ex[f]) for f in _CLIENT_FILLABLE},
        "metadata": c["metadata"].op("||")(ex["metadata"]),
        "updated_at": case((changed, ex["updated_at"]), else_=c["updated_at"]),
    }).returning(c.id.label("client_id"), c.name, c.company, literal_column("(xmax = 0)").label("created")) \
        .cte("client")
    client_id = select(client.c.client_id).scalar_subquery()
    lead = (leads.insert()
            .values({"client_id": client_id, **{k: bindparam(f"l_{k}") for k in (
                "source", "stage", "furthest_rank", "requirements", "budget", "currency", "budget_range",
                "timeline", "project_type", "notes", "referrer", "metadata", "value_estimate", "qualified_at",
                "converted_at", "last_contact_at",
                "created_at",
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


def _check_text_limits(ctx: OperationContext, data: LeadInput) -> None:
    limit = ctx.settings.max_text_length
    for field in ("requirements", "notes"):
        v = getattr(data, field)
        if v and len(v) > limit:
            raise InvalidInput(f"{field} is longer than {limit} characters", field=field)


async def load_lead(session: AsyncSession, lead_id: int, *, for_update: bool = False) -> Lead:
    stmt = select(Lead).where(Lead.id == lead_id)
    if for_update and dialect_name(session) == "postgresql":
        stmt = stmt.with_for_update()
    lead = (await session.execute(stmt)).scalar_one_or_none()
    if lead is None:
        raise LeadNotFound(lead_id)
    return lead


async def save_lead(ctx: OperationContext, lead: Lead, values: dict[str, Any], *, last_write: bool = False) -> None:
    """Write `values` (the lead's columns) onto the stored lead in one UPDATE, and tell the loaded
    object the stored values, so the session never holds a stale lead. `last_write`: the
    operation's last write, run with the audit entries recorded so far
    (`OperationContext.write_with_audit`: one statement for both on PostgreSQL)."""
    await _write(ctx, (_lead_update(tuple(values)),), _lead_params(lead.id, values), last_write)
    _stored(lead, values)


async def set_stage(ctx: OperationContext, lead: Lead, to: Stage, reason: str | None,
                    *, also: dict[str, Any] | None = None, last_write: bool = False) -> StageMoveResult:
    """Apply a move that the caller has already checked; writes history, audit and event.

    `also`: more of the lead's columns to write in the same UPDATE (qualify_lead's score).
    `last_write`: as for `save_lead`; the audit entries carried include this move's.
    Core statements built once per shape (one statement on PostgreSQL: the lead's UPDATE, the
    previous stage's `left_at` and the new history row as data-modifying CTEs); the loaded lead
    is then told the stored values."""
    frm = lead.stage
    now = utcnow()
    values: dict[str, Any] = {**(also or {}), "stage": to.value, "stage_changed_at": now, "updated_at": now}
    if to.value in RANK:
        values["furthest_rank"] = max(lead.furthest_rank or 0, RANK[to.value])
    if to == Stage.LOST:
        values.update(lost_reason=reason, closed_at=now, lost_at=now)
    elif to.value in WON and lead.closed_at is None:
        values["closed_at"] = now
    elif to == Stage.LEAD:
        values.update(closed_at=None, lost_reason=None, lost_at=None)
    values.update(milestone_dates(lead, to, now))
    status = client_status_after(to)
    if status is not None:
        await ctx.session.execute(
            update(Client).where(Client.id == lead.client_id, Client.status != status).values(status=status))
    history = {"from_stage": frm, "to_stage": to.value, "actor": ctx.actor.label, "reason": reason, "at": now}
    params = {**_lead_params(lead.id, values), **{f"h_{k}": v for k, v in history.items()}}
    ctx.audit("lead.stage_changed", f"lead:{lead.id}", from_stage=frm, to_stage=to.value, reason=reason)
    await _write(ctx, _move_statements(ctx.services.dialect == "postgresql", tuple(values)), params, last_write)
    _stored(lead, values)
    ctx.emit("lead.stage_changed", lead_id=lead.id, from_stage=frm, to_stage=to.value)
    return StageMoveResult(lead_id=lead.id, from_stage=frm, to_stage=to.value)


def milestone_dates(lead: Lead | None, to: Stage, now: datetime) -> dict[str, Any]:
    """`qualified_at` / `converted_at` the first time the lead reaches QUALIFIED-or-later /
    CONTRACT-or-later (a skipped stage counts as reached), never moved afterwards."""
    out: dict[str, Any] = {}
    rank = RANK.get(to.value)
    if rank is None:
        return out
    if rank >= RANK[Stage.QUALIFIED.value] and (lead is None or lead.qualified_at is None):
        out["qualified_at"] = now
    if to.value in WON and (lead is None or lead.converted_at is None):
        out["converted_at"] = now
    return out


def client_status_after(to: Stage) -> str | None:
    """The client's status a move implies: under contract -> active, paid -> customer."""
    if to in (Stage.CONTRACT, Stage.ACTIVE, Stage.DELIVERED):
        return "active"
    if to == Stage.PAID:
        return "customer"
    return None


async def _write(ctx: OperationContext, statements: tuple[Any, ...], params: dict[str, Any], last_write: bool) -> None:
    """The statements in order, each with `params`; with `last_write` the last one carries the audit entries."""
    *first, last = statements
    for stmt in first:
        await ctx.session.execute(stmt, params)
    if last_write:
        await ctx.write_with_audit(last, params)
    else:
        await ctx.session.execute(last, params)


def _lead_params(lead_id: int, values: dict[str, Any]) -> dict[str, Any]:
    return {"target_lead_id": lead_id, **{f"l_{k}": v for k, v in values.items()}}


def _stored(lead: Lead, values: dict[str, Any]) -> None:
    for name, value in values.items():
        set_committed_value(lead, name, value)


@functools.lru_cache(maxsize=64)
def _lead_update(columns: tuple[str, ...]) -> Any:
    """UPDATE of the lead `target_lead_id`, `columns` from `l_*` parameters; built once per set of
    columns. Column names are the lead's attribute names (asserted: `set_committed_value` takes
    those). No parameter is named like a column of the tables written: Core would add it to an
    UPDATE's SET."""
    leads = cast(Table, Lead.__table__)
    assert all(Lead.__mapper__.get_property_by_column(leads.c[c]).key == c for c in columns)
    return (update(leads).where(leads.c.id == bindparam("target_lead_id"))
            .values({leads.c[c]: bindparam(f"l_{c}") for c in columns}))


@functools.lru_cache(maxsize=64)
def _move_statements(postgresql: bool, columns: tuple[str, ...]) -> tuple[Any, ...]:
    """The lead's UPDATE (`_lead_update`), the open history row closed (`left_at`), the new
    history row (`h_*`): one statement on PostgreSQL, three on SQLite."""
    histories = cast(Table, LeadStageHistory.__table__)
    lead = _lead_update(columns)
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


async def move_to_stage(ctx: OperationContext, lead_id: int, move: StageMoveInput) -> StageMoveResult:
    """Move a lead along the allowed moves; LOST needs a reason; leaving LOST needs an admin."""
    to = parse_stage(move.stage)
    check_policy("mark_lost" if to == Stage.LOST else "move_to_stage", ctx.actor)
    lead = await load_lead(ctx.session, lead_id, for_update=True)
    frm = Stage(lead.stage)
    if to not in ALLOWED_MOVES[frm]:
        allowed = allowed_moves(frm.value)
        hint = f"From {frm.value} a lead can move to: {', '.join(allowed)}." if allowed else \
            f"{frm.value} is a final stage."
        raise IllegalStageMove(f"Lead #{lead_id} cannot move from {frm.value} to {to.value}. {hint}",
                               field="stage", allowed=allowed)
    if to == Stage.LOST and not (move.reason and move.reason.strip()):
        raise InvalidInput("Marking a lead lost needs a reason.", field="reason")
    if frm == Stage.LOST and ctx.actor.role not in (Role.ADMIN, Role.SYSTEM):
        raise PolicyDenied("reopen_lead", ctx.actor.role.value, "Only an admin can reopen a lost lead.")
    return await set_stage(ctx, lead, to, move.reason)


async def mark_lost(ctx: OperationContext, lead_id: int, reason: str) -> StageMoveResult:
    return await move_to_stage(ctx, lead_id, StageMoveInput(stage=Stage.LOST.value, reason=reason))


def lead_view(lead: Lead, client: Client) -> LeadView:
    return LeadView(
        id=lead.id, client_id=client.id, client_name=client.name, email=client.email, company=client.company,
        source=lead.source, stage=lead.stage, score=lead.score, close_probability=lead.close_probability,
        budget=lead.budget, currency=lead.currency, industry=client.industry, country=client.country,
        project_type=lead.project_type, requirements=lead.requirements, timeline=lead.timeline,
        referrer=lead.referrer, next_action=lead.next_action, next_action_date=lead.next_action_date,
        lost_reason=lead.lost_reason, value_estimate=lead.value_estimate, owner=(lead.metadata_ or {}).get("owner"),
        qualified_at=lead.qualified_at, converted_at=lead.converted_at, lost_at=lead.lost_at,
        created_at=lead.created_at, stage_changed_at=lead.stage_changed_at, metadata=lead.metadata_ or {},
    )


async def get_lead(ctx: OperationContext, lead_id: int) -> LeadView:
    check_policy("view_leads", ctx.actor)
    row = (
        await ctx.session.execute(select(Lead, Client).join(Client, Lead.client_id == Client.id).where(Lead.id == lead_id))
    ).first()
    if row is None:
        raise LeadNotFound(lead_id)
    return lead_view(row[0], row[1])


async def find_leads(ctx: OperationContext, *, stage: str | None = None, source: str | None = None,
                     query: str | None = None, limit: int = 50, offset: int = 0) -> LeadPage:
    """Leads filtered by stage, source and a text found in name, e-mail, company or requirements."""
    check_policy("view_leads", ctx.actor)
    stmt = select(Lead, Client).join(Client, Lead.client_id == Client.id)
    if stage:
        stmt = stmt.where(Lead.stage == parse_stage(stage).value)
    if source:
        stmt = stmt.where(Lead.source == source.strip().lower())
    if query:
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Client.name).like(like), Client.email_normalized.like(like),
                              func.lower(Client.company).like(like), func.lower(Lead.requirements).like(like)))
    total = (await ctx.session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    rows = (await ctx.session.execute(stmt.order_by(Lead.id.desc()).limit(limit).offset(offset))).all()
    return LeadPage(items=[lead_view(lead, client) for lead, client in rows], total=total, limit=limit, offset=offset)


async def get_client(ctx: OperationContext, client_id: int) -> ClientView:
    """A client with its leads; cached for an hour, invalidated by any change to the client."""
    check_policy("view_leads", ctx.actor)

    async def compute() -> dict[str, Any]:
        return (await _client_view(ctx, client_id)).model_dump(mode="json")

    return ClientView.model_validate(
        await cached(ctx.services.cache, f"client:{client_id}:", "view", TTL_CLIENT, compute))


async def _client_view(ctx: OperationContext, client_id: int) -> ClientView:
    client = await ctx.session.get(Client, client_id)
    if client is None:
        raise ClientNotFound(client_id)
    lead_ids = (await ctx.session.execute(select(Lead.id).where(Lead.client_id == client_id).order_by(Lead.id))).scalars().all()
    return ClientView(
        id=client.id, name=client.name, email=client.email, company=client.company, industry=client.industry,
        country=client.country, timezone=client.timezone, lifetime_value=client.lifetime_value,
        currency=client.currency, project_count=client.project_count, satisfaction_score=client.satisfaction_score,
        status=client.status, preferred_contact=client.preferred_contact, notes=client.notes,
        owner=(client.metadata_ or {}).get("owner"), created_at=client.created_at, lead_ids=list(lead_ids), metadata=client.metadata_ or {},
    )


__all__ = ["capture_lead", "move_to_stage", "mark_lost", "get_lead", "find_leads", "get_client", "LOSABLE"]
