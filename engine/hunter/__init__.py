"""Hunter: scans untrusted input and generated output.

`scan(kind, data) -> Findings` finds secrets, payment cards, bank and national id
numbers, prompt injection, markup/script injection, suspicious links, oversize and
binary content. Each severity calls for an action: block, redact or flag.
`screen_input`/`screen_text` apply it to client input (a lead's: engine/pipeline/screening.py);
`guard_output`/`scan_output` are for generated text,
`for_model` for client text on its way into a model's prompt.
"""

from engine.hunter.detectors.markup import slack_safe
from engine.hunter.findings import SEVERITY_ACTION, Action, Finding, Findings, Severity
from engine.hunter.guard import (
    InputBlocked,
    OutputBlocked,
    for_model,
    guard_output,
    scan_output,
    screen_input,
    screen_text,
)
from engine.hunter.scan import KINDS, scan

__all__ = ["scan", "scan_output", "guard_output", "for_model", "screen_input", "screen_text", "slack_safe", "Findings", "Finding", "Severity", "Action",
           "SEVERITY_ACTION", "KINDS", "InputBlocked", "OutputBlocked"]
