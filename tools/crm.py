"""Everyday CRM tools: edit a lead or client, assign an owner, log an interaction, a client's
timeline, lists of projects and invoices. Thin wrappers over `engine.crm`."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from engine.errors import InvalidInput
from tools.base import ToolSpec, client_text, error_result, run_operation

if TYPE_CHECKING:
    from pydantic_ai import RunContext

    from engine.context import OperationContext
    from tools.deps import AgentDeps


def _invalid(e: ValidationError) -> dict[str, Any]:
    err = e.errors()[0]
    field = ".".join(str(p) for p in err["loc"]) or "input"
    return error_result(InvalidInput(f"{field}: {err['msg']}", field=field))


def _given(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _screened_changes(result: BaseModel) -> dict[str, Any]:
    data = result.model_dump(mode="json")
    for change in data["changes"].values():
        client_text(change, "before", "after")
    return data


async def edit_lead(
    ctx: RunContext[AgentDeps], lead_id: int, requirements: str | None = None, budget: str | None = None,
    currency: str | None = None, value_estimate: str | None = None, timeline: str | None = None,
    project_type: str | None = None, notes: str | None = None, next_action: str | None = None,
    next_action_date: datetime | None = None,
) -> dict[str, Any]:
    """Change fields of a lead; only the ones given change (the role decides which it may change).

    Args:
        lead_id: The lead's number, e.g. 12 for "lead #12".
        requirements: What the client needs, replacing the old text.
        budget: The budget as written, e.g. "€8.500" or "$12k"; its currency must be the lead's.
        currency: The lead's currency, a three-letter code such as EUR.
        value_estimate: What the deal is expected to be worth, in the lead's currency.
        timeline: When the client needs it, e.g. "by March".
        project_type: The kind of project, e.g. "chatbot".
        notes: Notes about the lead, replacing the old ones.
        next_action: The next thing to do, e.g. "call back about the budget".
        next_action_date: When the next action is due, with a time zone, e.g. 2026-12-03T09:00:00Z.
    """
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.crm import editing
    from engine.crm.schemas import LeadEdit

    try:
        data = LeadEdit(**_given(requirements=requirements, budget=budget, currency=currency,
                                 value_estimate=value_estimate, timeline=timeline, project_type=project_type,
                                 notes=notes, next_action=next_action, next_action_date=next_action_date))
    except ValidationError as e:
        return _invalid(e)

    async def op(octx: OperationContext) -> dict[str, Any]:
        return _screened_changes(await editing.update_lead(octx, lead_id, data))

    return await run_operation(ctx.deps, op)


async def edit_client(
    ctx: RunContext[AgentDeps], client_id: int | None = None, lead_id: int | None = None, name: str | None = None, company: str | None = None,
    industry: str | None = None, country: str | None = None, timezone: str | None = None, phone: str | None = None,
    preferred_contact: str | None = None, status: str | None = None, notes: str | None = None,
) -> dict[str, Any]:
    """Change fields of a client; only the ones given change (the role decides which it may change).

    Args:
        client_id: The client's number (or give lead_id).
        lead_id: A lead of the client, when the client's number is not known.
        name: The contact's full name.
        company: The client's company.
        industry: The client's industry, e.g. "fintech".
        country: The client's country.
        timezone: The client's time zone, e.g. "Europe/Paris".
        phone: The client's phone number.
        preferred_contact: How the client likes to be reached: email, phone, slack, meeting, whatsapp or linkedin.
        status: prospect, active, customer or inactive.
        notes: Notes about the client, replacing the old ones.
    """
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.crm import editing
    from engine.crm.schemas import ClientEdit

    try:
        data = ClientEdit(**_given(name=name, company=company, industry=industry, country=country, timezone=timezone,
                                   phone=phone, preferred_contact=preferred_contact, status=status, notes=notes))
    except ValidationError as e:
        return _invalid(e)

    async def op(octx: OperationContext) -> dict[str, Any]:
        return _screened_changes(await editing.update_client(octx, await _client_of(octx, client_id, lead_id), data))

    return await run_operation(ctx.deps, op)


async def assign_owner(ctx: RunContext[AgentDeps], owner: str | None = None, lead_id: int | None = None,
                       client_id: int | None = None) -> dict[str, Any]:
    """Make a team member the owner of a lead or of a client.

    Args:
        owner: The team member's Slack user id, e.g. U012AB3CD (from a mention <@U012AB3CD>).
        lead_id: The lead to give an owner (or give client_id).
        client_id: The client to give an owner (or give lead_id).
    """
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.crm import editing
    from engine.crm.schemas import OwnerInput

    if not owner or not owner.strip():
        return error_result(InvalidInput("Say who: the owner's Slack mention, e.g. <@U012AB3CD>.", field="owner"))
    if (lead_id is None) == (client_id is None):
        return error_result(InvalidInput("Give either lead_id or client_id.", field="lead_id"))
    try:
        data = OwnerInput(owner=owner.strip().removeprefix("<@").removesuffix(">"))
    except ValidationError as e:
        return _invalid(e)
    subject, subject_id = ("lead", lead_id) if lead_id is not None else ("client", client_id)
    assert subject_id is not None
    return await run_operation(ctx.deps, lambda octx: editing.assign_owner(octx, subject, subject_id, data))


async def log_interaction(
    ctx: RunContext[AgentDeps], kind: str = "note", summary: str = "", lead_id: int | None = None, client_id: int | None = None,
    project_id: int | None = None, occurred_at: datetime | None = None,
) -> dict[str, Any]:
    """Log a call, meeting, note or e-mail with a client; its sentiment is scored.

    Args:
        kind: call, meeting, note or email.
        summary: What was said or done, in the speaker's words.
        lead_id: The lead it was about (or give client_id or project_id).
        client_id: The client it was with.
        project_id: The project it was about.
        occurred_at: When it happened, with a time zone; now if omitted.
    """
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.crm import interactions
    from engine.crm.schemas import InteractionInput

    try:
        data = InteractionInput(**_given(kind=kind, summary=summary, lead_id=lead_id, client_id=client_id,
                                         project_id=project_id, occurred_at=occurred_at))
    except ValidationError as e:
        return _invalid(e)

    async def op(octx: OperationContext) -> dict[str, Any]:
        view = await interactions.log_interaction(octx, data)
        return client_text(view.model_dump(mode="json"), "summary")

    return await run_operation(ctx.deps, op)


async def client_timeline(ctx: RunContext[AgentDeps], client_id: int | None = None, lead_id: int | None = None,
                          newest_first: bool = True, limit: int = 20) -> dict[str, Any]:
    """A client's history: every interaction, stage move, proposal, invoice and survey, in time order.

    Args:
        client_id: The client's number (or give lead_id).
        lead_id: A lead of the client, when the client's number is not known.
        newest_first: The most recent events first (the default), or the oldest first.
        limit: How many events, at most 100.
    """
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.crm import timeline

    async def op(octx: OperationContext) -> dict[str, Any]:
        page = await timeline.client_timeline(octx, await _client_of(octx, client_id, lead_id), limit=max(1, min(limit, 100)),
                                              newest_first=newest_first)
        data = page.model_dump(mode="json")
        data["items"] = [client_text(item, "what") for item in data["items"]]
        return data

    return await run_operation(ctx.deps, op)


async def _client_of(octx: OperationContext, client_id: int | None, lead_id: int | None) -> int:
    if client_id is not None:
        return client_id
    if lead_id is None:
        raise InvalidInput("Say which client: client_id, or a lead of theirs.", field="client_id")
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.pipeline.leads import get_lead

    return (await get_lead(octx, lead_id)).client_id


async def list_projects(ctx: RunContext[AgentDeps], status: str | None = None, client_id: int | None = None,
                        offset: int = 0) -> dict[str, Any]:
    """List projects, newest first, 20 at a time.

    Args:
        status: Only projects in this status: proposed, awaiting_approval, in_progress, delivered, failed, rejected.
        client_id: Only this client's projects.
        offset: How many to skip (20 for the second page).
    """
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.crm import lists

    return await run_operation(ctx.deps, lambda octx: lists.list_projects(
        octx, status=status, client_id=client_id, limit=20, offset=max(0, offset)))


async def list_invoices(ctx: RunContext[AgentDeps], status: str | None = None, client_id: int | None = None,
                        project_id: int | None = None, overdue: bool = False, offset: int = 0) -> dict[str, Any]:
    """List invoices, newest first, 20 at a time.

    Args:
        status: Only invoices in this status: issued, paid, overdue, payment_failed, void.
        client_id: Only this client's invoices.
        project_id: Only this project's invoices.
        overdue: Only unpaid invoices past their due date.
        offset: How many to skip (20 for the second page).
    """
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine.crm import lists

    return await run_operation(ctx.deps, lambda octx: lists.list_invoices(
        octx, status=status, client_id=client_id, project_id=project_id, overdue=overdue, limit=20,
        offset=max(0, offset)))


TOOLS = [
    ToolSpec(edit_lead, action="edit_lead"),
    ToolSpec(edit_client, action="edit_client"),
    ToolSpec(assign_owner, action="assign_owner"),
    ToolSpec(log_interaction, action="log_interaction"),
    ToolSpec(client_timeline, action="view_timeline"),
    ToolSpec(list_projects, action="view_projects"),
    ToolSpec(list_invoices, action="view_invoices"),
]
