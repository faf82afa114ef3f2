"""/api/business/leads and /clients."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from bot.api.deps import ActorDep, ServicesDep, run_op
from engine.errors import InvalidInput
from engine.pipeline.capture import capture_lead
from engine.pipeline.csvfile import decode, read_rows
from engine.pipeline.importer import ImportReport, import_leads, parse_mapping
from engine.pipeline.leads import find_leads, get_client, get_lead
from engine.pipeline.moves import move_to_stage
from engine.pipeline.schemas import (
    CaptureResult,
    ClientView,
    LeadInput,
    LeadPage,
    LeadView,
    StageMoveInput,
    StageMoveResult,
)

router = APIRouter(prefix="/api/business", tags=["leads"])
MAX_IMPORT_BYTES = 20 * 1024 * 1024


@router.post("/leads", status_code=201, response_model=CaptureResult)
async def post_lead(body: LeadInput, services: ServicesDep, actor: ActorDep) -> CaptureResult:
    return await run_op(services, actor, capture_lead, body)


@router.get("/leads", response_model=LeadPage)
async def list_leads(
    services: ServicesDep, actor: ActorDep,
    stage: Annotated[str | None, Query(max_length=32)] = None,
    source: Annotated[str | None, Query(max_length=32)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in name, e-mail, company or requirements")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> LeadPage:
    return await run_op(services, actor, find_leads, stage=stage, source=source, query=q, limit=limit, offset=offset)


@router.get("/leads/{lead_id}", response_model=LeadView)
async def read_lead(lead_id: int, services: ServicesDep, actor: ActorDep) -> LeadView:
    return await run_op(services, actor, get_lead, lead_id)


@router.post("/leads/{lead_id}/stage", response_model=StageMoveResult)
async def post_stage(lead_id: int, body: StageMoveInput, services: ServicesDep, actor: ActorDep) -> StageMoveResult:
    return await run_op(services, actor, move_to_stage, lead_id, body)


@router.post("/leads/import", response_model=ImportReport)
async def post_import(
    request: Request, services: ServicesDep, actor: ActorDep,
    map: Annotated[list[str] | None, Query(description='"CSV column=field" pairs')] = None,
) -> JSONResponse:
    """Import a CSV file sent as the raw body (text/csv) or as the `file` field of a multipart form."""
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InvalidInput("Send the CSV as the 'file' field of the form.", field="file")
        raw = await upload.read(MAX_IMPORT_BYTES + 1)
    else:
        raw = await request.body()
    if len(raw) > MAX_IMPORT_BYTES:
        raise InvalidInput("The CSV file is larger than 20 MB.", field="file")
    header, rows = read_rows(decode(raw))
    mapping = parse_mapping(map or [])
    report = await run_op(services, actor, import_leads, header, rows, mapping=mapping)
    return JSONResponse(report.model_dump(mode="json"), status_code=200)


@router.get("/clients/{client_id}", response_model=ClientView)
async def read_client(client_id: int, services: ServicesDep, actor: ActorDep) -> ClientView:
    return await run_op(services, actor, get_client, client_id)
