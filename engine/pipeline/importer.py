"""CSV import of leads: clients upserted by e-mail, one lead per row, a report per row."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DataError, IntegrityError

from engine.context import OperationContext
from engine.errors import InputBlocked, InvalidInput
from engine.hunter.guard import lead_metadata
from engine.pipeline.repository import upsert_client
from engine.pipeline.schemas import LeadInput, LeadSource
from engine.pipeline.screening import clean_lead
from engine.pipeline.stages import RANK
from storage.models import Interaction, Lead, LeadStageHistory

log = logging.getLogger(__name__)

FIELDS = [f for f in LeadInput.model_fields if f not in ("metadata",)]
_SYNONYMS = {
    "full_name": "name", "contact": "name", "contact_name": "name", "lead_name": "name",
    "e_mail": "email", "email_address": "email", "mail": "email",
    "company_name": "company", "organisation": "company", "organization": "company",
    "sector": "industry", "lead_source": "source", "channel": "source",
    "description": "requirements", "needs": "requirements", "project_budget": "budget",
    "deadline": "timeline", "type": "project_type", "referred_by": "referrer", "telephone": "phone",
}


class RejectedRow(BaseModel):
    row: int
    reason: str


class ImportReport(BaseModel):
    rows: int
    created: int
    updated: int
    clients_created: int
    clients_updated: int
    rejected: list[RejectedRow]
    lead_ids: list[int]


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def parse_mapping(pairs: Iterable[str]) -> dict[str, str]:
    """`"CSV column=field"` pairs into {column: field}; unknown fields are an error naming them."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair:
            raise InvalidInput(f"--map {pair!r} should look like \"CSV column=field\".", field="map")
        col, field = (p.strip() for p in pair.rsplit("=", 1))
        if field not in FIELDS:
            raise InvalidInput(f"--map {pair!r}: {field!r} is not a lead field; fields are {', '.join(FIELDS)}.",
                               field="map")
        mapping[col] = field
    return mapping


def resolve_columns(header: list[str], mapping: dict[str, str], exclude: Iterable[str] = ()) -> dict[str, str | None]:
    """Each CSV column to a lead field, or None when it is kept as a custom field."""
    missing = [c for c in mapping if c not in header]
    if missing:
        raise InvalidInput(f"--map names columns the file does not have: {', '.join(missing)}.", field="map")
    excluded = set(exclude)
    out: dict[str, str | None] = {}
    taken = set(mapping.values())
    for col in header:
        if col in excluded:
            continue
        if col in mapping:
            out[col] = mapping[col]
            continue
        n = _norm(col)
        guess = n if n in FIELDS else _SYNONYMS.get(n)
        if guess and guess not in taken:
            out[col] = guess
            taken.add(guess)
        else:
            out[col] = None
    return out


def row_to_input(row: dict[str, str], columns: dict[str, str | None], default_source: str) -> LeadInput:
    data: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for col, field in columns.items():
        v = row.get(col, "")
        if field is None:
            if v != "":
                custom[col] = v
        elif v != "":
            data[field] = v
    src = str(data.get("source", default_source)).strip().lower().replace(" ", "_")
    data["source"] = src if src in {s.value for s in LeadSource} else default_source
    if data["source"] != src and "source" in data:
        custom.setdefault("original_source", row.get(next(c for c, f in columns.items() if f == "source"), ""))
    data["metadata"] = custom
    return LeadInput(**data)


# Columns of the rows an import writes, as the file's fields are named: a database error is
# reported by the field it names, never with the database's own text.
STORED_FIELDS = ("email", "name", "company", "industry", "country", "budget", "budget_range", "currency",
                 "requirements", "timeline", "project_type", "notes", "referrer", "source", "phone", "website")


def _storage_error(row: int, e: Exception) -> str:
    """What a rejected row's author can act on: the row and the field, never the database's text."""
    text = str(getattr(e, "orig", None) or e).lower()
    field = next((f for f in STORED_FIELDS if re.search(rf"\b{f}(_normalized)?\b", text)), None)
    log.warning("import row %d not stored: %s", row, type(e).__name__, exc_info=e)
    if isinstance(e, IntegrityError):
        what = "conflicts with a record already stored"
    elif isinstance(e, DataError):
        what = "is too long or out of range for storage"
    else:
        what = "could not be stored"
    where = f"{field}: the value {what}" if field else f"a value {what}"
    return f"row {row}: {where}; nothing of this row was written."


def _error_text(e: ValidationError) -> str:
    parts = []
    for err in e.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "row"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


async def import_leads(
    ctx: OperationContext,
    header: list[str],
    rows: Iterable[dict[str, str]],
    *,
    mapping: dict[str, str] | None = None,
    exclude: Iterable[str] = (),
    default_source: str = "import",
    progress: Callable[[int], None] | None = None,
    row_hook: Callable[[dict[str, str], Lead], None] | None = None,
) -> ImportReport:
    """Upsert clients by e-mail and create one lead per valid row; each row in its own savepoint,
    so a rejected row is reported with its reason and never half-written."""
    ctx.check_policy("import_leads")
    columns = resolve_columns(header, mapping or {}, exclude)
    if "email" not in columns.values() or "name" not in columns.values():
        raise InvalidInput("The file needs a name and an e-mail column (use --map \"Column=name\").", field="map")
    report = ImportReport(rows=0, created=0, updated=0, clients_created=0, clients_updated=0, rejected=[], lead_ids=[])
    seen_clients: set[int] = set()
    for i, row in enumerate(rows, start=2):  # row 1 is the header
        report.rows += 1
        if progress:
            progress(1)
        if report.rows > ctx.settings.import_max_rows:
            raise InvalidInput(f"The file has more than {ctx.settings.import_max_rows} rows.", field="file")
        try:
            data = row_to_input(row, columns, default_source)
            data, hunted = clean_lead(data, role=ctx.actor.role.value, max_chars=ctx.settings.hunter_max_chars)
        except ValidationError as e:
            report.rejected.append(RejectedRow(row=i, reason=_error_text(e)))
            continue
        except InputBlocked as e:
            report.rejected.append(RejectedRow(row=i, reason=e.message))
            continue
        try:
            async with ctx.session.begin_nested():
                client, created = await upsert_client(ctx.session, data, data.currency or ctx.settings.currency,
                                                      overwrite=True)
                lead = Lead(client_id=client.id, source=data.source.value, stage="LEAD",
                            requirements=data.requirements, budget=data.budget, value_estimate=data.budget,
                            currency=data.currency or ctx.settings.currency, budget_range=data.budget_range,
                            timeline=data.timeline, project_type=data.project_type, notes=data.notes,
                            referrer=data.referrer, metadata_={**data.metadata, **lead_metadata(hunted)})
                if row_hook:
                    row_hook(row, lead)
                lead.furthest_rank = RANK.get(lead.stage, 0)
                ctx.session.add(lead)
                await ctx.session.flush()
                ctx.session.add(LeadStageHistory(
                    lead_id=lead.id, from_stage=None, to_stage="LEAD", actor=ctx.actor.label, reason="imported",
                    at=lead.created_at, left_at=lead.stage_changed_at if lead.stage != "LEAD" else None))
                if lead.stage != "LEAD":
                    ctx.session.add(LeadStageHistory(lead_id=lead.id, from_stage="LEAD", to_stage=lead.stage,
                                                     actor=ctx.actor.label, reason="imported outcome",
                                                     at=lead.stage_changed_at))
                ctx.session.add(Interaction(client_id=client.id, lead_id=lead.id, kind="capture", channel="import",
                                            actor=ctx.actor.label, occurred_at=lead.created_at))
                await ctx.session.flush()
        except Exception as e:  # a database error on one row rejects that row only
            report.rejected.append(RejectedRow(row=i, reason=_storage_error(i, e)))
            continue
        report.created += 1
        report.lead_ids.append(lead.id)
        if created:
            report.clients_created += 1
        elif client.id not in seen_clients:
            report.clients_updated += 1
            report.updated += 1
        seen_clients.add(client.id)
    ctx.audit("leads.imported", None, rows=report.rows, created=report.created, updated=report.updated,
              rejected=len(report.rejected))
    ctx.emit("leads.imported", created=report.created, rejected=len(report.rejected))
    return report
