"""Everyday CRM work over REST: edit a lead or client, assign owners, log interactions, a client's
timeline, lists of projects and invoices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from bot.api.deps import ActorDep, ServicesDep, run_op
from engine.crm.editing import assign_owner, update_client, update_lead
from engine.crm.interactions import log_interaction
from engine.crm.lists import MAX_LIMIT, list_invoices, list_projects
from engine.crm.schemas import (
    ClientEdit,
    EditResult,
    InteractionInput,
    InteractionView,
    InvoicePage,
    LeadEdit,
    OwnerInput,
    OwnerResult,
    ProjectPage,
    Timeline,
)
from engine.crm.timeline import client_timeline

router = APIRouter(prefix="/api/business", tags=["crm"])
Id = Annotated[int, Query(ge=1, le=2**63 - 1)]


@router.patch("/leads/{lead_id}", response_model=EditResult)
async def patch_lead(lead_id: int, body: LeadEdit, services: ServicesDep, actor: ActorDep) -> EditResult:
    """Change the given fields of a lead (the ones your role may change); the answer lists each change."""
    return await run_op(services, actor, update_lead, lead_id, body)


@router.patch("/clients/{client_id}", response_model=EditResult)
async def patch_client(client_id: int, body: ClientEdit, services: ServicesDep, actor: ActorDep) -> EditResult:
    """Change the given fields of a client (the ones your role may change)."""
    return await run_op(services, actor, update_client, client_id, body)


@router.put("/leads/{lead_id}/owner", response_model=OwnerResult)
async def put_lead_owner(lead_id: int, body: OwnerInput, services: ServicesDep, actor: ActorDep) -> OwnerResult:
    return await run_op(services, actor, assign_owner, "lead", lead_id, body)


@router.put("/clients/{client_id}/owner", response_model=OwnerResult)
async def put_client_owner(client_id: int, body: OwnerInput, services: ServicesDep, actor: ActorDep) -> OwnerResult:
    return await run_op(services, actor, assign_owner, "client", client_id, body)


@router.post("/interactions", status_code=201, response_model=InteractionView)
async def post_interaction(body: InteractionInput, services: ServicesDep, actor: ActorDep) -> InteractionView:
    """Log a call, meeting, note or e-mail with a client; its sentiment is scored (VADER)."""
    return await run_op(services, actor, log_interaction, body)


@router.get("/clients/{client_id}/timeline", response_model=Timeline)
async def get_timeline(
    client_id: int, services: ServicesDep, actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    newest_first: bool = False,
) -> Timeline:
    """Every interaction, stage move, proposal, invoice and survey of the client, in time order."""
    return await run_op(services, actor, client_timeline, client_id, limit=limit, offset=offset,
                        newest_first=newest_first)


@router.get("/projects", response_model=ProjectPage)
async def get_projects(
    services: ServicesDep, actor: ActorDep,
    status: Annotated[str | None, Query(max_length=32)] = None,
    client_id: Id | None = None, lead_id: Id | None = None, contract_signed: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ProjectPage:
    return await run_op(services, actor, list_projects, status=status, client_id=client_id, lead_id=lead_id,
                        contract_signed=contract_signed, limit=limit, offset=offset)


@router.get("/invoices", response_model=InvoicePage)
async def get_invoices(
    services: ServicesDep, actor: ActorDep,
    status: Annotated[str | None, Query(max_length=32)] = None,
    client_id: Id | None = None, project_id: Id | None = None,
    currency: Annotated[str | None, Query(max_length=3)] = None, overdue: bool = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> InvoicePage:
    return await run_op(services, actor, list_invoices, status=status, client_id=client_id, project_id=project_id,
                        currency=currency, overdue=overdue, limit=limit, offset=offset)
