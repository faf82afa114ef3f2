"""Editing a lead or a client, and assigning an owner: only the fields the role may change,
audited with each field's value before and after."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from engine.actors import Actor, Role
from engine.context import OperationContext
from engine.crm.schemas import Change, ClientEdit, EditResult, LeadEdit, OwnerInput, OwnerResult
from engine.errors import ClientNotFound, InvalidInput, PolicyDenied
from engine.hunter import screen_text
from engine.money import currency_code, parse_amount
from engine.pipeline.leads import load_lead
from storage.models import Client, Lead, TeamMember
from storage.types import utcnow

_ALL_LEAD = frozenset(LeadEdit.model_fields)
_ALL_CLIENT = frozenset(ClientEdit.model_fields)
# Who may change what (admin and system: everything). Sales own the deal; delivery plans the next
# steps; finance keeps the billing details of a client right.
LEAD_FIELDS: dict[Role, frozenset[str]] = {
    Role.SALES: _ALL_LEAD,
    Role.DELIVERY: frozenset({"next_action", "next_action_date", "notes", "timeline"}),
}
CLIENT_FIELDS: dict[Role, frozenset[str]] = {
    Role.SALES: _ALL_CLIENT,
    Role.DELIVERY: frozenset({"preferred_contact", "phone", "timezone", "notes"}),
    Role.FINANCE: frozenset({"name", "company", "country", "phone", "notes"}),
}
# Free text that may carry what a client wrote (pasted e-mails): screened by Hunter like a capture.
_SCREENED = ("requirements", "notes", "next_action")


def editable(actor: Actor, table: dict[Role, frozenset[str]], every: frozenset[str]) -> frozenset[str]:
    if actor.role in (Role.ADMIN, Role.SYSTEM):
        return every
    return table.get(actor.role, frozenset())


def _refuse_unlisted(ctx: OperationContext, action: str, given: set[str], allowed: frozenset[str]) -> None:
    refused = sorted(given - allowed)
    if refused:
        may = ", ".join(sorted(allowed)) or "nothing"
        raise PolicyDenied(action, ctx.actor.role.value,
                           f"A {ctx.actor.role.value} may not change {', '.join(refused)} (may change: {may}).")


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


async def _screen(ctx: OperationContext, values: dict[str, Any], subject: str) -> dict[str, Any]:
    for name in _SCREENED:
        if isinstance(values.get(name), str) and values[name]:
            values[name], _ = await screen_text(ctx, "text", values[name], action="edit",
                                              what=f"the {name} of {subject}")
    return values


def _apply(row: Any, values: dict[str, Any]) -> dict[str, Change]:
    changes: dict[str, Change] = {}
    for name, value in values.items():
        before = getattr(row, name)
        if before != value:
            changes[name] = Change(before=_json(before), after=_json(value))
            setattr(row, name, value)
    return changes


async def update_lead(ctx: OperationContext, lead_id: int, data: LeadEdit) -> EditResult:
    """Change the given fields of a lead; audited `lead.updated` with before and after."""
    ctx.check_policy("edit_lead")
    given = set(data.model_fields_set)
    if not given:
        raise InvalidInput("Nothing to change: give at least one field.", field="body")
    _refuse_unlisted(ctx, "edit_lead", given, editable(ctx.actor, LEAD_FIELDS, _ALL_LEAD))
    lead = await load_lead(ctx.session, lead_id, for_update=True)
    values = {k: getattr(data, k) for k in given}
    if "currency" in values:
        if values["currency"] is None:
            raise InvalidInput("A lead always has a currency.", field="currency")
        try:
            values["currency"] = currency_code(values["currency"])
        except ValueError as e:
            raise InvalidInput(str(e), field="currency") from None
    currency = values.get("currency", lead.currency)
    for name in ("budget", "value_estimate"):
        if name in values and values[name] is not None:
            values[name] = _amount_in(values[name], currency, name)
    await _screen(ctx, values, f"lead #{lead_id}")
    changes = _apply(lead, values)
    if changes:
        lead.updated_at = utcnow()
        await ctx.session.flush()
        ctx.audit("lead.updated", f"lead:{lead.id}", changes={k: c.model_dump() for k, c in changes.items()})
        ctx.emit("lead.updated", lead_id=lead.id, client_id=lead.client_id, fields=sorted(changes))
    return EditResult(subject="lead", id=lead.id, changes=changes)


def _amount_in(raw: str, currency: str, name: str) -> Decimal:
    try:
        amount, typed = parse_amount(raw)
    except ValueError as e:
        raise InvalidInput(f"{name}: {e}", field=name) from None
    if typed is not None and typed != currency:
        raise InvalidInput(f"{name} is in {typed} but the lead counts in {currency}: change the currency too, "
                           f"or give the amount in {currency}.", field=name)
    return amount


async def update_client(ctx: OperationContext, client_id: int, data: ClientEdit) -> EditResult:
    """Change the given fields of a client; audited `client.updated` with before and after."""
    ctx.check_policy("edit_client")
    given = set(data.model_fields_set)
    if not given:
        raise InvalidInput("Nothing to change: give at least one field.", field="body")
    _refuse_unlisted(ctx, "edit_client", given, editable(ctx.actor, CLIENT_FIELDS, _ALL_CLIENT))
    if "name" in given and data.name is None:
        raise InvalidInput("A client always has a name.", field="name")
    client = await _client(ctx, client_id)
    values = await _screen(ctx, {k: getattr(data, k) for k in given}, f"client #{client_id}")
    changes = _apply(client, values)
    if changes:
        client.updated_at = utcnow()
        await ctx.session.flush()
        ctx.audit("client.updated", f"client:{client.id}", changes={k: c.model_dump() for k, c in changes.items()})
        ctx.emit("client.updated", client_id=client.id, fields=sorted(changes))
    return EditResult(subject="client", id=client.id, changes=changes)


async def _client(ctx: OperationContext, client_id: int) -> Client:
    stmt = select(Client).where(Client.id == client_id)
    if ctx.services.dialect == "postgresql":
        stmt = stmt.with_for_update()
    client = (await ctx.session.execute(stmt)).scalar_one_or_none()
    if client is None:
        raise ClientNotFound(client_id)
    return client


async def assign_owner(ctx: OperationContext, subject: str, subject_id: int, data: OwnerInput) -> OwnerResult:
    """Make a team member (by Slack user id) the owner of a lead or a client, or nobody; audited
    `lead.owner_assigned` / `client.owner_assigned` with the previous owner."""
    ctx.check_policy("assign_owner")
    owner = data.owner or None
    if owner is not None:
        member = (await ctx.session.execute(
            select(TeamMember).where(TeamMember.slack_user_id == owner))).scalar_one_or_none()
        if member is None or not member.active:
            raise InvalidInput(f"{owner[:32]!r} is not an active team member's Slack id "
                               "(add one with `grace team add`).", field="owner")
    row: Lead | Client
    if subject == "lead":
        row = await load_lead(ctx.session, subject_id, for_update=True)
    elif subject == "client":
        row = await _client(ctx, subject_id)
    else:
        raise InvalidInput("An owner is assigned to a lead or a client.", field="subject")
    meta = dict(row.metadata_ or {})
    previous = meta.get("owner")
    if previous != owner:
        if owner is None:
            meta.pop("owner", None)
        else:
            meta["owner"] = owner
        row.metadata_ = meta
        row.updated_at = utcnow()
        await ctx.session.flush()
        ctx.audit(f"{subject}.owner_assigned", f"{subject}:{subject_id}", before=previous, after=owner)
        event = {"client_id": row.client_id if isinstance(row, Lead) else row.id, "owner": owner}
        if isinstance(row, Lead):
            event["lead_id"] = row.id
        ctx.emit(f"{subject}.owner_assigned", **event)
    return OwnerResult(subject=subject, id=subject_id, owner=owner, previous=previous)
