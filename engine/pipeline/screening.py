"""A lead screened by Hunter before it is stored (capture, e-mail, forms, the CSV import): block-level
findings refuse it, redact-level ones are masked in the fields that are kept."""

from __future__ import annotations

from typing import Any

from annotated_types import MaxLen

from engine.context import OperationContext
from engine.errors import InputBlocked
from engine.hunter.findings import Findings
from engine.hunter.guard import lead_metadata, post_alert, screen_input
from engine.pipeline.schemas import LeadInput


def clean_lead(data: LeadInput, *, role: str = "system", max_chars: int | None = None,
               ) -> tuple[LeadInput, Findings]:
    """Scan a lead; return it with redact-level findings masked. `InputBlocked` on a block."""
    findings = screen_input("lead", data, action="capture_lead", role=role, max_chars=max_chars)
    if not findings:
        return data, findings
    clean = findings.clean
    update = {k: _fit(k, clean[k]) for k in LeadInput.model_fields if k in clean and clean[k] != _dumped(data, k)}
    return (data.model_copy(update=update) if update else data), findings


async def screen_lead(ctx: OperationContext, data: LeadInput) -> tuple[LeadInput, dict[str, Any]]:
    """Scan a lead before it is stored. Returns the lead to store (redacted where needed) and
    the metadata to keep on the lead (`{"hunter": {...}}` when anything was found).

    Block: alert the alerts channel, then raise `InputBlocked` (the unit of work rolls back and
    audits the refusal). Redact: masked text is what gets stored, so no model ever reads it.
    """
    try:
        data, findings = clean_lead(data, role=ctx.actor.role.value, max_chars=ctx.settings.hunter_max_chars)
    except InputBlocked as blocked:
        await post_alert(ctx, f":rotating_light: Hunter blocked a lead from {data.source.value} "
                              f"(captured by {ctx.actor.label}): {blocked.message}")
        raise
    if findings:
        ctx.audit("hunter.screened", "capture_lead", kind="lead", verdict=findings.action.value,
                  detectors=sorted({f.detector for f in findings.items}))
    return data, lead_metadata(findings)


def _dumped(data: LeadInput, field: str) -> Any:
    return data.model_dump(mode="json", include={field}).get(field)


def _fit(field: str, value: Any) -> Any:
    """A redacted value may be longer than the original: keep it within the field's limit."""
    if not isinstance(value, str):
        return value
    for m in LeadInput.model_fields[field].metadata:
        if isinstance(m, MaxLen) and len(value) > m.max_length:
            return value[: m.max_length - 1] + "…"
    return value
