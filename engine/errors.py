"""Domain errors, each named for its condition and carrying a message for the user.

Edges map them to transport answers: `status` is the HTTP status the REST API uses.
"""

from __future__ import annotations

from typing import Any


class GraceError(Exception):
    status = 400
    code = "error"

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.field:
            out["field"] = self.field
        if self.details:
            out["details"] = self.details
        return out


class InvalidInput(GraceError):
    status = 422
    code = "invalid_input"


class NotFound(GraceError):
    status = 404
    code = "not_found"


class LeadNotFound(NotFound):
    def __init__(self, lead_id: int) -> None:
        super().__init__(f"There is no lead #{lead_id}.", lead_id=lead_id)


class ClientNotFound(NotFound):
    def __init__(self, client_id: int) -> None:
        super().__init__(f"There is no client #{client_id}.", client_id=client_id)


class ProjectNotFound(NotFound):
    def __init__(self, project_id: int) -> None:
        super().__init__(f"There is no project #{project_id}.", project_id=project_id)


class IllegalStageMove(GraceError):
    status = 409
    code = "illegal_stage_move"


class Conflict(GraceError):
    status = 409
    code = "conflict"


class PolicyDenied(GraceError):
    """Refused by governance. The refusal itself is audited by the unit of work."""

    status = 403
    code = "policy_denied"

    def __init__(self, action: str, role: str, reason: str | None = None, *, rule: str = "") -> None:
        message = reason or f"A {role} may not {action.replace('_', ' ')}."
        super().__init__(message, action=action, role=role, **({"rule": rule} if rule else {}))
        self.action = action
        self.role = role
        self.rule = rule


class Unauthenticated(GraceError):
    status = 401
    code = "unauthenticated"


class VoteNotFound(NotFound):
    def __init__(self, vote_id: int) -> None:
        super().__init__(f"There is no vote #{vote_id}.", vote_id=vote_id)


class VoteClosed(Conflict):
    """A vote arrived after the session was decided or expired."""

    def __init__(self, vote_id: int, status: str) -> None:
        super().__init__(f"Vote #{vote_id} is already closed ({status}).", vote_id=vote_id, status=status)


class NotEnoughApprovers(Conflict):
    def __init__(self, approvers: int, quorum: int) -> None:
        super().__init__(
            f"Parliament has {approvers} approver(s) but the quorum is {quorum}: add approvers "
            "(grace team add SLACK_ID --name NAME --role approver) or lower GRACE_PARLIAMENT_QUORUM.",
            approvers=approvers, quorum=quorum)


class ProjectNotDeliverable(Conflict):
    """The project's state does not allow starting (or continuing) delivery."""
class RateLimited(PolicyDenied):
    """Refused by a policy's rate limit; audited like any refusal."""

    status = 429
    code = "rate_limited"

    def __init__(self, action: str, role: str, reason: str | None = None, *, retry_after: float = 60) -> None:
        super().__init__(action, role, reason)
        self.retry_after = max(1, round(retry_after))


class InputBlocked(PolicyDenied):
    """Hunter refused untrusted input (a block-level finding); audited like any refusal."""

    status = 422
    code = "input_blocked"


class OutputBlocked(PolicyDenied):
    """Hunter refused generated output before it reached a client or Slack."""

    status = 422
    code = "output_blocked"
