"""`scan(kind, data)`: run every detector on every string of a text or a JSON-like object."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from engine.hunter.detectors import DETECTORS, SHORT_TEXT_DETECTORS
from engine.hunter.detectors.injection import _HIDDEN
from engine.hunter.findings import SEVERITY_ACTION, Action, Finding, Findings, Hit, Severity

# What is scanned: client input (leads, e-mails, web forms, requirements on their way to a
# model) and generated output (proposals, build artifacts, messages to Slack or a client).
KINDS = ("lead", "requirements", "email", "form", "text", "output", "proposal", "message")
DEFAULT_MAX_CHARS = 100_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTEXT = 24
MAX_FINDINGS_PER_KIND = 5  # per field, detector and severity


def scan(kind: str, data: Any, *, max_chars: int = DEFAULT_MAX_CHARS) -> Findings:
    """Scan a string, bytes, a pydantic model or a JSON-like object; never raises on content.

    Each finding names its detector, field (dotted path), severity and a defanged excerpt
    with the sensitive part masked. `Findings.clean` holds the data with redact-level
    findings masked (the same type of object that came in, pydantic models as dicts).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; one of: {', '.join(KINDS)}")
    result = Findings(kind=kind)
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            result.items.append(Finding("binary", Severity.CRITICAL, "text", _defang(repr(bytes(data[:24]))),
                                        "binary (not UTF-8 text) content"))
            return result
    if hasattr(data, "model_dump"):
        data = data.model_dump(mode="json")
    replacements: dict[str, str] = {}
    total = 0
    for path, text in _strings(data, "text" if isinstance(data, str) else ""):
        total += len(text)
        if len(text) > max_chars or total > max_chars:
            result.items.append(Finding("oversize", Severity.CRITICAL, path or "text",
                                        f"{len(text)} characters", f"input larger than {max_chars} characters"))
            return result
        if not text or (len(text) < 4 and text.isalnum()):
            continue
        hits = _scan_text(text)
        per_detector: dict[tuple[str, Severity], int] = {}
        for h in hits:
            # Redaction uses every hit; the report keeps a few of each kind per field.
            n = per_detector[(h.detector, h.severity)] = per_detector.get((h.detector, h.severity), 0) + 1
            if n <= MAX_FINDINGS_PER_KIND:
                result.items.append(Finding(h.detector, h.severity, path, excerpt(text, h), h.what))
        redact = [h for h in hits if SEVERITY_ACTION[h.severity] == Action.REDACT]
        if redact:
            replacements[path] = redact_text(text, redact)
    result.clean = _rebuild(data, "text" if isinstance(data, str) else "", replacements) if replacements else data
    return result


def _scan_text(text: str) -> list[Hit]:
    controls = _CONTROL.findall(text)
    if "\x00" in text or len(controls) > max(2, len(text) // 100):
        return [Hit("binary", Severity.CRITICAL, 0, min(len(text), 16), "binary or control characters",
                    sensitive=False)]
    hits: list[Hit] = []
    # No card, key, account or id number fits in fewer than 12 characters: short fields
    # (names, countries, budgets) only need the injection and markup detectors.
    for detector in DETECTORS if len(text) >= 12 else SHORT_TEXT_DETECTORS:
        hits.extend(detector(text))
    return hits


def _strings(data: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for k, v in data.items():
            yield from _strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(data, list | tuple):
        for i, v in enumerate(data):
            yield from _strings(v, f"{path}[{i}]")


def _rebuild(data: Any, path: str, replacements: dict[str, str]) -> Any:
    if isinstance(data, str):
        return replacements.get(path, data)
    if isinstance(data, dict):
        return {k: _rebuild(v, f"{path}.{k}" if path else str(k), replacements) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_rebuild(v, f"{path}[{i}]", replacements) for i, v in enumerate(data)]
    return data


def redact_text(text: str, hits: list[Hit]) -> str:
    """Replace each hit's span by its replacement; overlapping spans are merged."""
    out: list[str] = []
    pos = 0
    for h in sorted(hits, key=lambda h: (h.start, -h.end)):
        if h.end <= pos:
            continue
        start = max(h.start, pos)
        out.append(text[pos:start])
        out.append(h.replacement if h.replacement is not None else f"[redacted: {h.what}]")
        pos = h.end
    out.append(text[pos:])
    return "".join(out)


def excerpt(text: str, hit: Hit) -> str:
    """The hit with some context, the sensitive part masked, made harmless to show anywhere."""
    value = text[hit.start:hit.end]
    if hit.sensitive:
        digits = [c for c in value if c.isdigit()]
        shown = ("•••• " + "".join(digits[-4:])) if hit.detector == "payment_card" else \
            (value[:4] + "•" * min(8, max(3, len(value) - 4)) if len(value) > 8 else "•" * len(value))
    else:
        shown = value if len(value) <= 80 else value[:77] + "…"
    before = text[max(0, hit.start - _CONTEXT):hit.start]
    after = text[hit.end:hit.end + _CONTEXT] if hit.end - hit.start < 200 else ""
    return _defang(("…" if hit.start > _CONTEXT else "") + before + shown + after +
                   ("…" if hit.end + _CONTEXT < len(text) else ""))


# Shown by code point ("[U+202E]") in an excerpt, which is printed in terminals, Slack and the dashboard:
# hidden characters, and control characters (C0 but tab, line feed and carriage return; DEL; C1).
_SHOWN_AS_CODE = re.compile(_HIDDEN.pattern + "|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]+")


def _defang(s: str) -> str:
    s = _SHOWN_AS_CODE.sub(lambda m: "".join(f"[U+{ord(c):04X}]" for c in m.group()), s)
    return s.replace("<", "‹").replace(">", "›").replace("\r", " ").replace("\n", " ")
