"""Who may call which operation: one table, checked first by every operation.

Admins and the system may do everything. (The governance issue moves this table
into a `policies.yml` with conditions and rate limits.)
"""

from __future__ import annotations

from engine.actors import Actor, Role
from engine.errors import PolicyDenied

R = Role
ALLOWED_ROLES: dict[str, frozenset[Role]] = {
    "capture_lead": frozenset({R.SALES}),
    "import_leads": frozenset({R.SALES}),
    "move_to_stage": frozenset({R.SALES, R.DELIVERY}),
    "mark_lost": frozenset({R.SALES}),
    "reopen_lead": frozenset(),  # admin only
    "view_leads": frozenset({R.SALES, R.DELIVERY, R.FINANCE, R.APPROVER, R.VIEWER}),
    "get_pipeline_metrics": frozenset({R.SALES, R.DELIVERY, R.FINANCE, R.APPROVER, R.VIEWER}),
    "get_revenue_stats": frozenset({R.SALES, R.FINANCE, R.APPROVER, R.VIEWER}),
    "qualify_lead": frozenset({R.SALES}),
    "predict_close_rate": frozenset({R.SALES, R.DELIVERY, R.FINANCE, R.APPROVER, R.VIEWER}),
    "suggest_next_action": frozenset({R.SALES}),
    "train_model": frozenset(),
    "generate_proposal": frozenset({R.SALES}),
    "create_project_plan": frozenset({R.SALES}),
    "deliver_project": frozenset({R.DELIVERY}),
    "cast_vote": frozenset({R.APPROVER}),
    "collect_payment": frozenset({R.FINANCE}),
    "mark_invoice_paid": frozenset({R.FINANCE}),
    "send_nps_survey": frozenset({R.SALES, R.DELIVERY}),
    "track_client_satisfaction": frozenset({R.SALES, R.DELIVERY, R.FINANCE, R.APPROVER, R.VIEWER}),
    "manage_team": frozenset(),
    "verify": frozenset({R.FINANCE, R.APPROVER}),
    "manage_forms": frozenset(),  # admin only
    "view_forms": frozenset({R.SALES}),
}
ALWAYS = frozenset({R.ADMIN, R.SYSTEM})


def allowed(action: str, role: Role | str) -> bool:
    if action not in ALLOWED_ROLES:
        raise KeyError(f"unknown action {action!r}: add it to the policy table")
    return Role(role) in ALWAYS or Role(role) in ALLOWED_ROLES[action]


def check_policy(action: str, actor: Actor) -> None:
    """Raise `PolicyDenied` unless the actor's role may perform the action."""
    if not allowed(action, actor.role):
        raise PolicyDenied(action, actor.role.value)


def actions_for(role: Role | str) -> list[str]:
    return [a for a in ALLOWED_ROLES if allowed(a, role)]
