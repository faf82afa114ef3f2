"""Applying Hunter's verdict: on client input (a lead's is screened by engine/pipeline/screening.py),
on text bound for a model, on generated output."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from engine.errors import InputBlocked, OutputBlocked
from engine.hunter.findings import Action, Findings
from engine.hunter.scan import scan

if TYPE_CHECKING:  # a type only: `grace hunter scan` needs no database machinery
    from engine.context import OperationContext

log = logging.getLogger(__name__)


def _refusal(findings: Findings, what: str) -> str:
    return f"{what} was refused by Hunter: {findings.summary()}."


def screen_input(kind: str, data: Any, *, action: str = "capture_lead", role: str = "system",
                 max_chars: int | None = None) -> Findings:
    """Scan client input; raise `InputBlocked` (naming what was found) on a block-level finding."""
    findings = scan(kind, data, **({"max_chars": max_chars} if max_chars else {}))
    if findings.blocked:
        first = next(f for f in findings.items if f.action == Action.BLOCK)
        err = InputBlocked(action, role, _refusal(findings, "This input"))
        err.field = first.field
        err.details["findings"] = [f.to_dict() for f in findings.items if f.action == Action.BLOCK]
        raise err
    return findings


def lead_metadata(findings: Findings) -> dict[str, Any]:
    """What is kept on the lead: `{"hunter": {"action", "findings"}}`, or nothing when clean."""
    return {"hunter": findings.to_dict()} if findings else {}


async def screen_text(ctx: OperationContext, kind: str, text: str, *, action: str, what: str,
                      ) -> tuple[str, dict[str, Any]]:
    """Client text that does not go through capture (requirements on their way to the Architect,
    an e-mail on an open lead, a survey comment), screened like a lead.

    Returns the text to store or pass on (redact-level findings masked) and the metadata to
    keep with it (`{"hunter": {...}}` when anything was found). Block: alert, then `InputBlocked`.
    """
    try:
        findings = screen_input(kind, text, action=action, role=ctx.actor.role.value,
                                max_chars=ctx.settings.hunter_max_chars)
    except InputBlocked as blocked:
        await post_alert(ctx, f":rotating_light: Hunter blocked {what} (from {ctx.actor.label}): {blocked.message}")
        raise
    if findings:
        ctx.audit("hunter.screened", action, kind=kind, verdict=findings.action.value,
                  detectors=sorted({f.detector for f in findings.items}))
    return str(findings.clean), lead_metadata(findings)


async def post_alert(ctx: OperationContext, text: str) -> None:
    """Tell the alerts channel what Hunter refused; never raises."""
    try:
        await ctx.services.notifier.post(ctx.settings.alerts_channel or None, text)
    except Exception:  # the refusal must reach the user even when Slack is down
        log.exception("could not post Hunter alert")


def scan_output(data: Any, *, kind: str = "output") -> Findings:
    """Scan generated text (proposals, build artifacts, Slack messages) before it leaves.

    Use `findings.clean` as what is sent; refuse to send when `findings.blocked`.
    `guard_output` does both.
    """
    return scan(kind, data)


def guard_output(data: Any, *, kind: str = "output", action: str = "send_output", role: str = "system") -> Any:
    """The generated data with redact-level findings masked; `OutputBlocked` on a block-level one."""
    findings = scan(kind, data)
    if findings.blocked:
        raise OutputBlocked(action, role, _refusal(findings, "Generated output"))
    return findings.clean


def for_model(text: str | None, *, kind: str = "requirements") -> str | None:
    """Client text made safe to put in a model's prompt: redacted, or withheld when blocked."""
    if not text:
        return text
    findings = scan(kind, text)
    if findings.blocked:
        return f"[withheld by Hunter: {findings.summary()}]"
    return str(findings.clean)
