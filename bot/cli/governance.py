"""`grace hunter scan`, `grace policy check|lint`, `grace verify`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from bot.cli.common import (
    clean,
    console,
    fail,
    load_policies,
    operation,
    print_json,
    run,
    safe,
    settings,
    with_services,
)

hunter = typer.Typer(help="Scan text or JSON for secrets, injection and other dangerous content.",
                     no_args_is_help=True)
policy = typer.Typer(help="Governance policies (policies.yml): explain and validate.", no_args_is_help=True)


@hunter.command("scan")
def hunter_scan(
    source: str = typer.Argument("-", help="A file to scan, or - for standard input."),
    kind: str = typer.Option("", "--kind", help="lead, requirements, email, form, text, output, proposal, "
                                               "message (default: lead for a JSON object, else text)."),
) -> None:
    """Print {"action": allow|flag|redact|block, "findings": [...]}; exit 0 whatever is found."""
    from engine.hunter import KINDS, scan  # deferred for start-up time

    try:
        raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as e:
        fail(f"cannot read {source}: {e.strerror or e}")
    data: Any = raw
    try:
        text = raw.decode("utf-8")
        stripped = text.strip()
        data = json.loads(stripped) if stripped[:1] in ("{", "[") else text
    except (UnicodeDecodeError, json.JSONDecodeError):
        pass  # binary stays bytes (Hunter reports it); broken JSON is scanned as text
    kind = kind or ("lead" if isinstance(data, dict) else "text")
    if kind not in KINDS:
        fail(f"--kind must be one of: {', '.join(KINDS)}")
    s = settings()
    findings = scan(kind, data, max_chars=s.hunter_max_chars)
    print_json(findings.to_dict(), indent=None)


@policy.command("check")
def policy_check(
    action: str = typer.Argument(..., help="An action, like capture_lead."),
    role: str = typer.Option(..., "--role", help="admin, sales, delivery, finance, approver, viewer..."),
    context: str = typer.Option("{}", "--context", help='JSON, e.g. \'{"amount": 9000, "stage": "ACTIVE"}\'.'),
) -> None:
    """Explain whether ROLE may do ACTION in this context; exit 1 when it may not."""
    from engine.actors import Role  # deferred for start-up time, with the policies below

    policies = load_policies()
    try:
        ctx = json.loads(context)
        if not isinstance(ctx, dict):
            raise ValueError
    except ValueError:
        fail("--context must be a JSON object")
    try:
        Role(role)
    except ValueError:
        fail(f"unknown role {role!r}; one of: {', '.join(r.value for r in Role)}")
    try:
        rule = policies.rule_for(action)
        decision = policies.evaluate(action, role, ctx, count=False)
    except KeyError as e:
        fail(str(e.args[0]))
    except ValueError as e:
        fail(str(e))
    verdict = "allowed" if decision.allowed else "denied"
    if decision.allowed and decision.requires_vote:
        verdict = "allowed after a Parliament vote"
    console.print(f"{safe(action)} by {safe(role)}: [bold]{verdict}[/bold]")
    console.print(f"  why: {clean(decision.reason)}", markup=False)
    if decision.rule_name:
        console.print(f"  rule: {clean(decision.rule_name)}", markup=False)
    console.print(clean(f"  roles allowed: {', '.join(rule.roles) or '(none)'} (admin and system always)"), markup=False)
    conds = rule.conditions.model_dump(exclude_none=True)
    if conds:
        console.print(clean("  conditions: " + ", ".join(f"{k}={v}" for k, v in conds.items())), markup=False)
    if rule.rate_limit:
        console.print(f"  rate limit: {rule.rate_limit.max} per {rule.rate_limit.per_seconds:g} s per actor "
                      f"({', '.join(rule.rate_limit.applies_to)}; exempt: {', '.join(rule.rate_limit.exempt_roles)})")
    if not decision.allowed:
        raise typer.Exit(1)


@policy.command("lint")
def policy_lint(path: Path = typer.Argument(None, help="A policies file (default: GRACE_POLICIES_PATH, "
                                                       "else the shipped one).")) -> None:
    """Validate a policies file: schema, roles, stages, and that every action is known."""
    from engine.governance.policies import known_actions  # deferred for start-up time
    from engine.governance.rules import lint
    from engine.pipeline.stages import Stage  # deferred for start-up time

    target = path or settings().policies_path

    problems = lint(target, known_actions(), frozenset(s.value for s in Stage))
    name = str(target) if target else "shipped policies.yml"
    if problems:
        for p in problems:
            console.print(f"[red]error[/red] {safe(name)}: {safe(p)}", highlight=False)
        raise typer.Exit(1)
    console.print(f"ok {clean(name)}", markup=False)


def verify() -> None:
    """Check the data's invariants; print each with ok or its offending rows; exit 1 on a failure."""
    from engine.verification import render, verify_invariants  # deferred for start-up time

    report = run(with_services(lambda s: operation(s, verify_invariants)))
    for line in render(report):
        console.print(clean(line), highlight=False, markup=False)
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(hunter, name="hunter")
    app.add_typer(policy, name="policy")
    app.command("verify")(verify)
