"""What Hunter reports: findings, their severity, and the action a severity calls for."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any


class Severity(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()


class Action(StrEnum):
    ALLOW = "allow"
    FLAG = "flag"
    REDACT = "redact"
    BLOCK = "block"


# The policy per severity. Block: refused with a message and an alert. Redact: stored and
# shown with the sensitive part masked (a model never sees it). Flag: stored, finding visible.
SEVERITY_ACTION: dict[Severity, Action] = {
    Severity.CRITICAL: Action.BLOCK,
    Severity.HIGH: Action.REDACT,
    Severity.MEDIUM: Action.FLAG,
    Severity.LOW: Action.FLAG,
}
_ORDER = [Action.ALLOW, Action.FLAG, Action.REDACT, Action.BLOCK]


@dataclass(slots=True)
class Hit:
    """A detector's raw result on one string: where, what, and how to mask it."""

    detector: str
    severity: Severity
    start: int
    end: int
    what: str  # a short description, e.g. "Stripe Access Key", "payment card ending 1111"
    sensitive: bool = True  # mask the matched text in excerpts
    replacement: str | None = None  # what redaction puts in its place (default "[redacted: what]")


@dataclass(slots=True)
class Finding:
    detector: str
    severity: Severity
    field: str
    excerpt: str
    what: str

    @property
    def action(self) -> Action:
        return SEVERITY_ACTION[self.severity]

    def to_dict(self) -> dict[str, str]:
        return {"detector": self.detector, "severity": self.severity.label, "field": self.field,
                "excerpt": self.excerpt}


@dataclass(slots=True)
class Findings:
    """The result of one scan. `clean` is the data with every redact-level finding masked."""

    kind: str
    items: list[Finding] = field(default_factory=list)
    clean: Any = None

    @property
    def action(self) -> Action:
        best = Action.ALLOW
        for f in self.items:
            if _ORDER.index(f.action) > _ORDER.index(best):
                best = f.action
        return best

    @property
    def blocked(self) -> bool:
        return self.action == Action.BLOCK

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def summary(self) -> str:
        """One sentence naming what was found, for refusals and alerts."""
        parts = [f"{f.what} in {f.field}" for f in self.items if f.action == self.action] or \
                [f"{f.what} in {f.field}" for f in self.items]
        uniq = list(dict.fromkeys(parts))
        more = f" and {len(uniq) - 5} more" if len(uniq) > 5 else ""
        return "; ".join(uniq[:5]) + more

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action.value, "findings": [f.to_dict() for f in self.items]}
