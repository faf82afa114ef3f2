"""Who may call which operation, on which conditions, how often: checked first by every operation.

The rules live in `policies.yml` (shipped beside this module; `GRACE_POLICIES_PATH`
names a file whose actions replace the shipped ones). `ALLOWED_ROLES` below is the
code's registration of actions with their default roles: an action the code
registers but no file names falls back to it, and `grace policy lint` accepts the
actions of the shipped file plus these. Admins and the system may do everything.

`Policies` is what one process has in force (the loaded file, the Parliament threshold, the
rate-limit windows); `Services.policies` holds it, and operations call
`ctx.check_policy(action, ...)` (engine/context.py), never a module global.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from engine.actors import Actor, Role
from engine.config import Settings
from engine.errors import PolicyDenied, RateLimited
from engine.governance import rules
from engine.governance.limits import SlidingWindow

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
    "view_projects": frozenset({R.SALES, R.DELIVERY, R.FINANCE, R.APPROVER, R.VIEWER}),
    "view_proposal": frozenset({R.CLIENT, R.SALES, R.DELIVERY, R.FINANCE, R.APPROVER, R.VIEWER}),
    "accept_proposal": frozenset({R.CLIENT}),
    "deliver_project": frozenset({R.DELIVERY}),
    "cast_vote": frozenset({R.APPROVER}),
    "open_vote": frozenset({R.DELIVERY, R.SALES}),
    "view_votes": frozenset({R.SALES, R.DELIVERY, R.FINANCE, R.APPROVER, R.VIEWER}),
    "cancel_build": frozenset({R.APPROVER, R.DELIVERY}),
    "view_delivery": frozenset({R.SALES, R.DELIVERY, R.FINANCE, R.APPROVER, R.VIEWER}),
    "collect_payment": frozenset({R.FINANCE}),
    "mark_invoice_paid": frozenset({R.FINANCE}),
    "view_invoices": frozenset({R.SALES, R.FINANCE, R.APPROVER, R.VIEWER}),
    "remind_overdue_invoices": frozenset({R.FINANCE}),
    "handle_payment_event": frozenset(),  # the system, on a verified provider webhook
    "send_nps_survey": frozenset({R.SALES, R.DELIVERY}),
    "track_client_satisfaction": frozenset({R.SALES, R.DELIVERY, R.FINANCE, R.APPROVER, R.VIEWER}),
    "record_nps_response": frozenset({R.CLIENT}),  # the client, through the survey link
    "manage_team": frozenset(),
    "verify": frozenset({R.FINANCE, R.APPROVER}),
    "manage_forms": frozenset(),  # admin only
    "view_forms": frozenset({R.SALES}),
    # exchange rates and everyday CRM work (which fields a role may edit: engine/crm/editing.py)
    "set_fx_rate": frozenset({R.FINANCE}),
    "view_fx_rates": frozenset({R.SALES, R.DELIVERY, R.FINANCE, R.APPROVER, R.VIEWER}),
    "edit_lead": frozenset({R.SALES, R.DELIVERY}),
    "edit_client": frozenset({R.SALES, R.DELIVERY, R.FINANCE}),
    "assign_owner": frozenset({R.SALES}),
    "log_interaction": frozenset({R.SALES, R.DELIVERY, R.FINANCE}),
    "view_timeline": frozenset({R.SALES, R.DELIVERY, R.FINANCE, R.APPROVER, R.VIEWER}),
}
ALWAYS = frozenset({R.ADMIN, R.SYSTEM})


def register_action(action: str, roles: set[Role] | frozenset[Role] = frozenset()) -> None:
    """Make an action known from code (its default roles, until a policies file names it)."""
    ALLOWED_ROLES.setdefault(action, frozenset(roles))


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    requires_vote: bool = False
    action: str = ""
    role: str = ""
    retry_after: float | None = None  # set when refused by a rate limit
    rule: str = ""  # the rule that decided: "roles", "max_amount", ... (a refusal, or a vote required)

    @property
    def rule_name(self) -> str:
        """`action.rule`, as refusals name it (e.g. `mark_invoice_paid.max_amount`)."""
        return f"{self.action}.{self.rule}" if self.rule else ""


def known_actions() -> set[str]:
    return set(rules.shipped().actions) | set(ALLOWED_ROLES)


def _amount(context: dict[str, Any], key: str) -> Decimal | None:
    v = context.get(key)
    if v is None or v == "":
        return None
    try:
        amount = Decimal(str(v))
    except InvalidOperation:
        raise ValueError(f"context {key} is not a number: {v!r}") from None
    if not amount.is_finite():  # NaN compares as an error, Infinity passes every limit
        raise ValueError(f"context {key} is not a finite number: {v!r}")
    return amount


def _percent(share: Decimal) -> str:
    """0.15 -> '15%', 0.1501 -> '15.01%' (as exact as the share is)."""
    return f"{(share * 100).quantize(Decimal('0.0001')).normalize():f}%"


def _money(amount: Decimal, currency: str) -> str:
    """259200.00 -> '259,200.00 USD', as amounts are written everywhere (engine/fx.py, scoring)."""
    return f"{amount:,} {currency}"


def _words(action: str) -> str:
    return action.replace("_", " ")


@dataclass
class Policies:
    """The policies in force in one process: the file loaded at start-up over the shipped one,
    the Parliament threshold, the agency's currency (the one amounts are compared and named in), and
    the rate-limit windows. Built at the composition roots from the settings (`Policies.load`) and
    held by `Services`; operations reach it through `OperationContext.check_policy`."""

    override: rules.PolicyFile | None = None
    override_path: str | None = None
    parliament_threshold: Decimal = Decimal("5000")
    currency: str = "USD"
    # Per process and keyed by actor: with several API replicas each enforces the limit on its share.
    window: SlidingWindow = field(default_factory=SlidingWindow)

    @classmethod
    def load(cls, path: Path | str | None = None, *, parliament_threshold: Decimal | int | str = Decimal("5000"),
             currency: str = "USD", stages: frozenset[str] | None = None) -> Policies:
        """The policies file at `path` over the shipped one (none: the shipped rules alone);
        `currency`: the agency's, which the amounts of contexts and conditions are in;
        `stages`: the pipeline's stage names, to refuse a file naming another."""
        return cls(override=rules.load(path, stages=stages) if path else None,
                   override_path=str(path) if path else None,
                   parliament_threshold=Decimal(parliament_threshold), currency=currency.upper())

    @classmethod
    def from_settings(cls, settings: Settings, *, stages: frozenset[str] | None = None) -> Policies:
        """What a process runs with: `GRACE_POLICIES_PATH` over the shipped file, `GRACE_PARLIAMENT_THRESHOLD`,
        `GRACE_CURRENCY`."""
        return cls.load(settings.policies_path, parliament_threshold=settings.parliament_threshold,
                        currency=settings.currency, stages=stages)

    def rule_for(self, action: str) -> rules.Rule:
        """The rule in force: the override file's, else the shipped file's, else the code's roles."""
        if self.override is not None and action in self.override.actions:
            return self.override.actions[action]
        shipped = rules.shipped().actions
        if action in shipped:
            return shipped[action]
        if action in ALLOWED_ROLES:
            return rules.Rule(roles=[r.value for r in ALLOWED_ROLES[action]])
        raise KeyError(f"unknown action {action!r}: add it to policies.yml or register_action() it")

    def _always(self) -> frozenset[str]:
        policy = self.override if self.override is not None else rules.shipped()
        return frozenset(policy.always)

    def allowed(self, action: str, role: Role | str) -> bool:
        """Whether the role may perform the action at all (conditions and rate limits aside)."""
        rule = self.rule_for(action)
        role = Role(role).value
        return role in self._always() or role in rule.roles

    def actions_for(self, role: Role | str) -> list[str]:
        return [a for a in sorted(known_actions()) if self.allowed(a, role)]

    def amount_condition(self, action: str, context: dict[str, Any] | None = None) -> str:
        """The condition an amount in `context` would be checked against ("mark_invoice_paid.max_amount"),
        or "" when no amount could change the decision: the rule sets none, or a vote already approved
        settles `require_vote_over` (as `evaluate` reads it)."""
        c = self.rule_for(action).conditions
        if c.max_amount is not None:
            return f"{action}.max_amount"
        if c.require_vote_over is not None and (context or {}).get("vote_approved") is not True:
            return f"{action}.require_vote_over"
        return ""

    def evaluate(self, action: str, actor: Actor | Role | str, context: dict[str, Any] | None = None, *,
                 count: bool = True, now: float | None = None,
                 parliament_threshold: Decimal | None = None) -> Decision:
        """Decide without raising: roles, then conditions on `context`, then the actor's rate limit.

        `count=False` asks without using up the rate limit (for explanations). `parliament_threshold`:
        the operation's settings' threshold (else the one loaded at start-up).
        """
        ctx = context or {}
        role = Role(actor.role if isinstance(actor, Actor) else actor).value
        rule = self.rule_for(action)

        def no(reason: str, rule_key: str, **kw: Any) -> Decision:
            return Decision(False, f"{reason} (policy {action}.{rule_key})", action=action, role=role,
                            rule=rule_key, **kw)

        if not (role in self._always() or role in rule.roles):
            return no(f"A {role} may not {_words(action)}.", "roles")
        c = rule.conditions
        amount = _amount(ctx, "amount")
        if c.max_amount is not None and amount is not None and amount > c.max_amount:
            return no(f"{_money(amount, self.currency)} is over the limit of {_money(c.max_amount, self.currency)} "
                      f"to {_words(action)}.", "max_amount")
        stage = ctx.get("stage")
        if c.required_stage and stage is not None and str(stage).upper() not in c.required_stage:
            return no(f"To {_words(action)} the lead must be in {' or '.join(c.required_stage)}, not {stage}.",
                      "required_stage")
        discount = _amount(ctx, "discount")
        if c.max_discount is not None and discount is not None and discount > c.max_discount:
            return no(f"A discount of {_percent(discount)} is over the cap of {_percent(c.max_discount)}.",
                      "max_discount")
        requires_vote = False
        reason = f"A {role} may {_words(action)}."
        if c.require_vote_over is not None and amount is not None:
            configured = parliament_threshold if parliament_threshold is not None else self.parliament_threshold
            threshold = configured if c.require_vote_over == "parliament_threshold" else Decimal(c.require_vote_over)
            if amount > threshold:
                vote = ctx.get("vote_approved")
                if vote is False:
                    return no(f"{_money(amount, self.currency)} is over {_money(threshold, self.currency)} and the "
                              "Parliament vote did not approve it.",
                              "require_vote_over")
                if vote is not True:
                    requires_vote = True
                    reason = (f"{_money(amount, self.currency)} is over {_money(threshold, self.currency)}: a "
                              "Parliament vote must approve it first "
                              f"(policy {action}.require_vote_over).")
        lim = rule.rate_limit
        if lim and count and isinstance(actor, Actor) and actor.kind in lim.applies_to and role not in lim.exempt_roles:
            wait = self.window.hit(f"{action}:{actor.label}", lim.max, lim.per_seconds, now=now)
            if wait is not None:
                return no(f"Too many requests: at most {lim.max} {_words(action)} per {lim.per_seconds:g} s; "
                          f"try again in {max(1, round(wait))} s.", "rate_limit", retry_after=wait)
        return Decision(True, reason, requires_vote, action=action, role=role,
                        rule="require_vote_over" if requires_vote else "")

    def check(self, action: str, actor: Actor, context: dict[str, Any] | None = None) -> Decision:
        """Raise `PolicyDenied` (or `RateLimited`) unless the actor may perform the action now.

        Returns the decision: callers that pass an amount check `decision.requires_vote`.
        """
        decision = self.evaluate(action, actor, context)
        if not decision.allowed:
            if decision.retry_after is not None:
                raise RateLimited(action, actor.role.value, decision.reason, retry_after=decision.retry_after)
            raise PolicyDenied(action, actor.role.value, decision.reason, rule=decision.rule_name)
        return decision

    def check_conditions(self, action: str, actor: Actor, context: dict[str, Any], *,
                         parliament_threshold: Decimal | None = None) -> Decision:
        """`check` once the operation knows its facts (amount, stage, discount, vote state), without
        counting the call against the rate limit again. Raises `PolicyDenied` naming the rule."""
        decision = self.evaluate(action, actor, context, count=False, parliament_threshold=parliament_threshold)
        if not decision.allowed:
            raise PolicyDenied(action, actor.role.value, decision.reason, rule=decision.rule_name)
        return decision
