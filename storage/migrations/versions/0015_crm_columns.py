"""Exchange rates the agency sets (fx_rates), and the seed's CRM columns: lead milestones and value, project contract and dates, client
status and contact, the interaction trail (sentiment, automated, Grace-generated, approved).

Filled from what exists:
- leads: `qualified_at` / `converted_at` = the first stage-history move to QUALIFIED-or-later /
  CONTRACT-or-later; `lost_at` = the last move to LOST of a lead that is LOST now (its `closed_at`
  without history); `value_estimate` = `metadata.value_estimate`, else the latest proposal's price
  in the lead's currency, else the budget.
- projects: `contract_signed` = approved, or an accepted proposal points at it; `actual_cost` =
  `metadata.actual_cost`; `start_date` / `end_date` = the build's start / the delivery, else the
  plan's `timeline.start` / `timeline.end`.
- clients: `preferred_contact`, `notes` from metadata; `status` = `metadata.status` when it is one
  of the statuses, else from the leads (under contract -> active, paid -> customer, all lost ->
  inactive, else prospect).
- interactions: `sentiment` = `metadata.sentiment`; `automated` = written by a system actor;
  `grace_generated` = a survey Grace sent (or `metadata.grace_generated`); `human_approved` /
  `approved_by` = `metadata.approved_by`, or the person who had Grace send it.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copied, not imported: a migration must keep meaning what it meant when written.
QUALIFIED_OR_LATER = ("QUALIFIED", "PROPOSAL", "NEGOTIATION", "CONTRACT", "ACTIVE", "DELIVERED", "PAID", "REPEAT")
WON = ("CONTRACT", "ACTIVE", "DELIVERED", "PAID", "REPEAT")
UNDER_CONTRACT = ("CONTRACT", "ACTIVE", "DELIVERED")
PAID = ("PAID", "REPEAT")
CLIENT_STATUSES = ("prospect", "active", "customer", "inactive")
CONTACTS = ("email", "phone", "slack", "meeting", "whatsapp", "linkedin")
BATCH = 500

leads = sa.table("business_leads", sa.column("id", sa.Integer), sa.column("client_id", sa.Integer),
                 sa.column("stage", sa.String), sa.column("budget", sa.Numeric(14, 2)),
                 sa.column("currency", sa.String), sa.column("metadata", storage.types.JSONType),
                 sa.column("value_estimate", sa.Numeric(14, 2)))
clients = sa.table("business_clients", sa.column("id", sa.Integer), sa.column("metadata", storage.types.JSONType),
                   sa.column("preferred_contact", sa.String), sa.column("status", sa.String),
                   sa.column("notes", sa.Text))
projects = sa.table("business_projects", sa.column("id", sa.Integer), sa.column("metadata", storage.types.JSONType),
                    sa.column("timeline", storage.types.JSONType),
                    sa.column("started_at", storage.types.UTCDateTime()),
                    sa.column("completed_at", storage.types.UTCDateTime()),
                    sa.column("proposal_approved", sa.Boolean), sa.column("contract_signed", sa.Boolean),
                    sa.column("actual_cost", sa.Numeric(14, 2)), sa.column("start_date", sa.Date),
                    sa.column("end_date", sa.Date))
interactions = sa.table("business_interactions", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                        sa.column("channel", sa.String), sa.column("actor", sa.String),
                        sa.column("metadata", storage.types.JSONType), sa.column("sentiment", sa.Double),
                        sa.column("automated", sa.Boolean), sa.column("grace_generated", sa.Boolean),
                        sa.column("human_approved", sa.Boolean), sa.column("approved_by", sa.String))
proposals = sa.table("proposals", sa.column("id", sa.Integer), sa.column("lead_id", sa.Integer),
                     sa.column("project_id", sa.Integer), sa.column("version", sa.Integer),
                     sa.column("status", sa.String), sa.column("price", sa.Numeric(14, 2)),
                     sa.column("currency", sa.String))
history = sa.table("lead_stage_history", sa.column("lead_id", sa.Integer), sa.column("to_stage", sa.String),
                   sa.column("at", storage.types.UTCDateTime()))


def upgrade() -> None:
    # Plain ADD COLUMN on both databases, never a batch "move and copy": on SQLite that drops the
    # old table, and every ON DELETE SET NULL pointing at it would empty its references.
    columns: list[tuple[str, sa.Column[Any]]] = [
        ("business_leads", sa.Column("value_estimate", sa.Numeric(precision=14, scale=2), nullable=True)),
        ("business_leads", sa.Column("qualified_at", storage.types.UTCDateTime(timezone=True), nullable=True)),
        ("business_leads", sa.Column("converted_at", storage.types.UTCDateTime(timezone=True), nullable=True)),
        ("business_leads", sa.Column("lost_at", storage.types.UTCDateTime(timezone=True), nullable=True)),
        ("business_projects", sa.Column("contract_signed", sa.Boolean(), server_default=sa.false(), nullable=False)),
        ("business_projects", sa.Column("actual_cost", sa.Numeric(precision=14, scale=2), nullable=True)),
        ("business_projects", sa.Column("start_date", sa.Date(), nullable=True)),
        ("business_projects", sa.Column("end_date", sa.Date(), nullable=True)),
        ("business_clients", sa.Column("preferred_contact", sa.String(length=32), nullable=True)),
        ("business_clients", sa.Column("status", sa.String(length=16), server_default="prospect", nullable=False)),
        ("business_clients", sa.Column("notes", sa.Text(), nullable=True)),
        ("business_interactions", sa.Column("sentiment", sa.Double(), nullable=True)),
        ("business_interactions", sa.Column("automated", sa.Boolean(), server_default=sa.false(), nullable=False)),
        ("business_interactions", sa.Column("grace_generated", sa.Boolean(), server_default=sa.false(),
                                            nullable=False)),
        ("business_interactions", sa.Column("human_approved", sa.Boolean(), nullable=True)),
        ("business_interactions", sa.Column("approved_by", sa.String(length=200), nullable=True)),
    ]
    for table, column in columns:
        op.add_column(table, column)
    op.create_table(
        "fx_rates",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("base", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.Numeric(precision=18, scale=8), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("set_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fx_rates")),
    )
    op.create_index("ix_fx_rates_base_currency_as_of", "fx_rates", ["base", "currency", "as_of"], unique=False)
    conn = op.get_bind()
    _fill_lead_dates()
    _fill_lead_values(conn)
    _fill_projects(conn)
    _fill_clients(conn)
    _fill_interactions(conn)


def downgrade() -> None:
    op.drop_index("ix_fx_rates_base_currency_as_of", table_name="fx_rates")
    op.drop_table("fx_rates")
    for table, names in [
        ("business_interactions", ("approved_by", "human_approved", "grace_generated", "automated", "sentiment")),
        ("business_clients", ("notes", "status", "preferred_contact")),
        ("business_projects", ("end_date", "start_date", "actual_cost", "contract_signed")),
        ("business_leads", ("lost_at", "converted_at", "qualified_at", "value_estimate")),
    ]:
        for name in names:
            op.drop_column(table, name)  # SQLite 3.35+ drops a column in place


def _fill_lead_dates() -> None:
    # Correlated subqueries: one UPDATE per column on both databases (the stored value is copied as is).
    op.execute("UPDATE business_leads SET qualified_at = (SELECT min(h.at) FROM lead_stage_history h "
               f"WHERE h.lead_id = business_leads.id AND h.to_stage IN ({_in(QUALIFIED_OR_LATER)}))")
    op.execute("UPDATE business_leads SET converted_at = (SELECT min(h.at) FROM lead_stage_history h "
               f"WHERE h.lead_id = business_leads.id AND h.to_stage IN ({_in(WON)}))")
    op.execute("UPDATE business_leads SET lost_at = coalesce((SELECT max(h.at) FROM lead_stage_history h "
               "WHERE h.lead_id = business_leads.id AND h.to_stage = 'LOST'), closed_at) WHERE stage = 'LOST'")


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _rows(conn: sa.Connection, stmt: sa.Select[Any], id_col: Any) -> Iterator[list[Any]]:
    """Rows in id order, a batch at a time (keyset pagination: no OFFSET scans)."""
    last = 0
    while True:
        batch = conn.execute(stmt.where(id_col > last).order_by(id_col).limit(BATCH)).all()
        if not batch:
            return
        yield list(batch)
        last = batch[-1][0]


def _update(conn: sa.Connection, table: Any, values: list[dict[str, Any]]) -> None:
    if not values:
        return
    names = [k for k in values[0] if k != "row_id"]
    stmt = table.update().where(table.c.id == sa.bindparam("row_id")).values(
        {n: sa.bindparam(n) for n in names})
    conn.execute(stmt, values)


def _meta(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        d = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None
    if not d.is_finite() or d < 0 or d >= Decimal("1e12"):
        return None
    return d.quantize(Decimal("0.01"))


def _fill_lead_values(conn: sa.Connection) -> None:
    latest: dict[int, tuple[Decimal, str]] = {}
    for lead_id, price, currency in conn.execute(
            sa.select(proposals.c.lead_id, proposals.c.price, proposals.c.currency)
            .order_by(proposals.c.lead_id, proposals.c.version)):
        latest[lead_id] = (price, currency)
    for batch in _rows(conn, sa.select(leads.c.id, leads.c.budget, leads.c.currency, leads.c.metadata), leads.c.id):
        out = []
        for lead_id, budget, currency, meta in batch:
            value = _decimal(_meta(meta).get("value_estimate"))
            if value is None and lead_id in latest and latest[lead_id][1] == currency:
                value = latest[lead_id][0]
            if value is None:
                value = budget
            if value is not None:
                out.append({"row_id": lead_id, "value_estimate": value})
        _update(conn, leads, out)


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _fill_projects(conn: sa.Connection) -> None:
    accepted = set(conn.execute(sa.select(proposals.c.project_id).where(
        proposals.c.status == "accepted", proposals.c.project_id.is_not(None))).scalars())
    stmt = sa.select(projects.c.id, projects.c.metadata, projects.c.timeline, projects.c.started_at,
                     projects.c.completed_at, projects.c.proposal_approved)
    for batch in _rows(conn, stmt, projects.c.id):
        out = []
        for project_id, meta, timeline, started, completed, approved in batch:
            plan = _meta(timeline)
            out.append({"row_id": project_id, "contract_signed": bool(approved) or project_id in accepted,
                        "actual_cost": _decimal(_meta(meta).get("actual_cost")),
                        "start_date": _date(started) or _date(plan.get("start")),
                        "end_date": _date(completed) or _date(plan.get("end"))})
        _update(conn, projects, out)


def _fill_clients(conn: sa.Connection) -> None:
    stages: dict[int, list[str]] = {}
    for client_id, stage in conn.execute(sa.select(leads.c.client_id, leads.c.stage)):
        stages.setdefault(client_id, []).append(stage)
    for batch in _rows(conn, sa.select(clients.c.id, clients.c.metadata), clients.c.id):
        out = []
        for client_id, meta in batch:
            m = _meta(meta)
            contact = str(m.get("preferred_contact") or "").strip().lower()
            notes = m.get("notes")
            status = str(m.get("status") or "").strip().lower()
            if status not in CLIENT_STATUSES:
                status = _status(stages.get(client_id, []))
            out.append({"row_id": client_id, "preferred_contact": contact if contact in CONTACTS else None,
                        "notes": notes[:10_000] if isinstance(notes, str) and notes.strip() else None,
                        "status": status})
        _update(conn, clients, out)


def _status(stages: list[str]) -> str:
    if any(s in UNDER_CONTRACT for s in stages):
        return "active"
    if any(s in PAID for s in stages):
        return "customer"
    if stages and all(s == "LOST" for s in stages):
        return "inactive"
    return "prospect"


def _fill_interactions(conn: sa.Connection) -> None:
    stmt = sa.select(interactions.c.id, interactions.c.kind, interactions.c.channel, interactions.c.actor,
                     interactions.c.metadata)
    for batch in _rows(conn, stmt, interactions.c.id):
        out = []
        for row_id, kind, channel, actor, meta in batch:
            m = _meta(meta)
            sentiment = m.get("sentiment")
            automated = bool(actor and actor.startswith("system:"))
            # A survey Grace sent (by e-mail or in Slack), not the client's answer (channel nps_link).
            generated = bool(m.get("grace_generated")) or (kind == "survey" and channel in ("email", "slack"))
            approver = m.get("approved_by") if isinstance(m.get("approved_by"), str) else None
            if approver is None and generated and not automated and actor:
                approver = actor
            out.append({"row_id": row_id,
                        "sentiment": float(sentiment) if isinstance(sentiment, int | float)
                        and not isinstance(sentiment, bool) and -1 <= sentiment <= 1 else None,
                        "automated": automated, "grace_generated": generated,
                        "human_approved": True if approver else None, "approved_by": approver[:200] if approver else None})
        _update(conn, interactions, out)
