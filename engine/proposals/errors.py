"""Errors of proposals and their client links, named for the condition."""

from __future__ import annotations

from engine.errors import Conflict, GraceError, NotFound


class ProposalNotFound(NotFound):
    def __init__(self, proposal_id: int) -> None:
        super().__init__(f"There is no proposal #{proposal_id}.", proposal_id=proposal_id)


class ProposalLinkInvalid(GraceError):
    status = 403
    code = "proposal_link_invalid"

    def __init__(self) -> None:
        super().__init__("This proposal link is not valid. Please use the link exactly as you received it, "
                         "or ask us for a new one.")


class ProposalLinkExpired(GraceError):
    status = 410
    code = "proposal_link_expired"

    def __init__(self, days: int) -> None:
        super().__init__(f"This proposal link has expired (links are valid for {days} days). "
                         "Please ask us for a new one.", days=days)


class ProposalAlreadyAccepted(Conflict):
    code = "proposal_already_accepted"

    def __init__(self, proposal_id: int, when: str) -> None:
        super().__init__(f"This proposal was already accepted on {when}. Thank you — there is nothing more to do.",
                         proposal_id=proposal_id)


class ProposalSuperseded(Conflict):
    code = "proposal_superseded"

    def __init__(self, proposal_id: int, version: int) -> None:
        super().__init__(f"This is version {version} of the proposal, and a newer version has been sent. "
                         "Please accept the latest version instead.", proposal_id=proposal_id)


class ProposalNotOpen(Conflict):
    code = "proposal_not_open"


class ArchitectUnavailable(GraceError):
    status = 502
    code = "architect_unavailable"

    def __init__(self, reason: str) -> None:
        super().__init__("The Architect could not draft the proposal right now; try again, or set GRACE_MODEL=offline "
                         "to draft from the catalog.", reason=reason[:500])
