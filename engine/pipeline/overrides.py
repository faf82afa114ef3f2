"""Facts an operation needs before it may act, and an admin's recorded override of them.

A project is delivered or invoiced only once its client accepted a proposal; an admin may
go ahead without that acceptance by giving a reason, and every such override is audited.
"""

from __future__ import annotations

from engine.actors import Role
from engine.context import OperationContext
from engine.errors import InvalidInput, PolicyDenied
from storage.models import Project

OVERRIDE_ROLES = frozenset({Role.ADMIN, Role.SYSTEM})
MAX_REASON = 2000


def override_reason(value: str | None) -> str | None:
    """The reason given for an override, stripped; None when none was given."""
    if value is None:
        return None
    reason = value.strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"override_reason is longer than {MAX_REASON} characters.", field="override_reason")
    return reason or None


def record_override(ctx: OperationContext, action: str, subject: str, fact: str, reason: str | None, *,
                    rule: str = "override", field: str = "override_reason") -> None:
    """Refuse unless an admin gave a reason (in `field`); audit the override when one is used."""
    reason = override_reason(reason)
    role = ctx.actor.role
    if role not in OVERRIDE_ROLES:
        raise PolicyDenied(action, role.value, f"{fact} Only an admin may override this, with a reason "
                           f"(policy {action}.{rule}).", rule=f"{action}.{rule}")
    if reason is None:
        raise InvalidInput(f"{fact} An admin may go ahead by giving a reason in {field}.", field=field)
    ctx.audit("override.recorded", subject, operation=action, fact=fact, reason=reason)


def require_accepted_proposal(ctx: OperationContext, action: str, project: Project, reason: str | None) -> None:
    """Delivery and invoicing need the client's acceptance, or an admin's override with a reason."""
    if project.proposal_approved:
        return
    fact = f"Project #{project.id} has no proposal its client accepted."
    if override_reason(reason) is None:
        raise PolicyDenied(action, ctx.actor.role.value,
                           f"{fact} The client accepts it through the proposal link "
                           f"(policy {action}.accepted_proposal).", rule=f"{action}.accepted_proposal")
    record_override(ctx, action, f"project:{project.id}", fact, reason)
