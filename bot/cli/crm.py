"""`grace lead show|edit|assign`, `grace client show|edit|assign|timeline`, `grace interaction log`,
`grace project list`, `grace invoice list`: the everyday CRM work from a terminal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import typer

from bot.cli.common import clean, console, fail, operation, print_json, run, safe, with_services

lead = typer.Typer(help="Leads: show, edit, assign an owner.", no_args_is_help=True)
client = typer.Typer(help="Clients: show, edit, assign an owner, timeline.", no_args_is_help=True)
interaction = typer.Typer(help="Calls, meetings, notes and e-mails with clients.", no_args_is_help=True)
project = typer.Typer(help="Projects.", no_args_is_help=True)

NONE = "none"  # `grace lead assign 4 none` removes the owner


def _print(data: Any, json_out: bool) -> None:
    payload = data.model_dump(mode="json")
    if json_out:
        print_json(payload)
        return
    for k, v in payload.items():
        console.print(f"[bold]{k}[/bold]: {'—' if v in (None, '', {}, []) else safe(v)}", highlight=False)


def _validated(model: Any, values: dict[str, Any]) -> Any:
    from pydantic import ValidationError  # deferred for start-up time

    try:
        return model(**values)
    except ValidationError as e:
        err = e.errors()[0]
        fail(f"--{'.'.join(str(p) for p in err['loc']).replace('_', '-')}: {err['msg']}")


def _given(**values: Any) -> dict[str, Any]:
    """Options given on the command line; the word `none` clears a field."""
    return {k: (None if isinstance(v, str) and v.strip().lower() == NONE else v)
            for k, v in values.items() if v is not None}


def _when(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        fail(f"{option} must be a time like 2026-12-03T09:00:00Z, not {value[:30]!r}")
    if when.tzinfo is None:
        fail(f"{option} needs a time zone, e.g. 2026-12-03T09:00:00Z")
    return when


@lead.command("show")
def lead_show_cmd(lead_id: int = typer.Argument(...), json_out: bool = typer.Option(False, "--json")) -> None:
    """Print a lead with its value estimate, owner and the dates it was qualified, converted or lost."""
    from engine.pipeline.leads import get_lead  # deferred for start-up time

    _print(run(with_services(lambda s: operation(s, get_lead, lead_id))), json_out)


@lead.command("edit")
def lead_edit_cmd(
    lead_id: int = typer.Argument(...),
    requirements: str | None = typer.Option(None, help="What the client needs."),
    budget: str | None = typer.Option(None, help='As typed: 12000, "€8.500", "$12k".'),
    currency: str | None = typer.Option(None, help="The lead's currency, e.g. EUR."),
    value_estimate: str | None = typer.Option(None, help="Expected worth of the deal, in the lead's currency."),
    timeline: str | None = typer.Option(None), project_type: str | None = typer.Option(None),
    notes: str | None = typer.Option(None), referrer: str | None = typer.Option(None),
    next_action: str | None = typer.Option(None, help="The next thing to do."),
    next_action_date: str | None = typer.Option(None, help="When it is due: 2026-12-03T09:00:00Z."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Change the given fields of a lead (`none` clears one); prints each change, before and after."""
    from engine.crm.editing import update_lead  # deferred for start-up time
    from engine.crm.schemas import LeadEdit

    values = _given(requirements=requirements, budget=budget, currency=currency, value_estimate=value_estimate,
                    timeline=timeline, project_type=project_type, notes=notes, referrer=referrer,
                    next_action=next_action)
    if next_action_date is not None:
        values["next_action_date"] = None if next_action_date.lower() == NONE else \
            _when(next_action_date, "--next-action-date")
    body = _validated(LeadEdit, values)
    _print_changes(run(with_services(lambda s: operation(s, update_lead, lead_id, body))), json_out)


def _print_changes(result: Any, json_out: bool) -> None:
    if json_out:
        print_json(result.model_dump(mode="json"))
        return
    if not result.changes:
        console.print(f"{result.subject.title()} #{result.id}: nothing changed.", markup=False)
    for name, change in result.changes.items():
        console.print(clean(f"{result.subject} #{result.id} {name}: {change.before!r} → {change.after!r}"),
                      highlight=False, markup=False)


@lead.command("assign")
def lead_assign_cmd(lead_id: int = typer.Argument(...),
                    owner: str = typer.Argument(..., help="A team member's Slack user id, or `none`."),
                    json_out: bool = typer.Option(False, "--json")) -> None:
    """Make a team member the owner of a lead."""
    _assign("lead", lead_id, owner, json_out)


def _assign(subject: str, subject_id: int, owner: str, json_out: bool) -> None:
    from engine.crm.editing import assign_owner  # deferred for start-up time
    from engine.crm.schemas import OwnerInput

    body = _validated(OwnerInput, {"owner": None if owner.strip().lower() == NONE else owner})
    _print(run(with_services(lambda s: operation(s, assign_owner, subject, subject_id, body))), json_out)


@client.command("show")
def client_show_cmd(client_id: int = typer.Argument(...), json_out: bool = typer.Option(False, "--json")) -> None:
    """Print a client: status, preferred contact, notes, owner, lifetime value, leads."""
    from engine.pipeline.leads import get_client  # deferred for start-up time

    _print(run(with_services(lambda s: operation(s, get_client, client_id))), json_out)


@client.command("edit")
def client_edit_cmd(
    client_id: int = typer.Argument(...),
    name: str | None = typer.Option(None), company: str | None = typer.Option(None),
    industry: str | None = typer.Option(None), country: str | None = typer.Option(None),
    timezone: str | None = typer.Option(None), phone: str | None = typer.Option(None),
    preferred_contact: str | None = typer.Option(None, help="email, phone, slack, meeting, whatsapp, linkedin."),
    status: str | None = typer.Option(None, help="prospect, active, customer or inactive."),
    notes: str | None = typer.Option(None),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Change the given fields of a client (`none` clears one)."""
    from engine.crm.editing import update_client  # deferred for start-up time
    from engine.crm.schemas import ClientEdit

    body = _validated(ClientEdit, _given(name=name, company=company, industry=industry, country=country,
                                         timezone=timezone, phone=phone, preferred_contact=preferred_contact,
                                         status=status, notes=notes))
    _print_changes(run(with_services(lambda s: operation(s, update_client, client_id, body))), json_out)


@client.command("assign")
def client_assign_cmd(client_id: int = typer.Argument(...),
                      owner: str = typer.Argument(..., help="A team member's Slack user id, or `none`."),
                      json_out: bool = typer.Option(False, "--json")) -> None:
    """Make a team member the owner of a client."""
    _assign("client", client_id, owner, json_out)


@client.command("timeline")
def client_timeline_cmd(
    client_id: int = typer.Argument(...),
    limit: int = typer.Option(100, min=1, max=500), offset: int = typer.Option(0, min=0),
    newest_first: bool = typer.Option(False, "--newest-first"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Every interaction, stage move, proposal, invoice and survey of a client, in time order."""
    from engine.crm.timeline import client_timeline  # deferred for start-up time

    page = run(with_services(lambda s: operation(s, client_timeline, client_id, limit=limit, offset=offset,
                                                 newest_first=newest_first)))
    if json_out:
        print_json(page.model_dump(mode="json"))
        return
    for e in page.items:
        console.print(clean(f"{e.at:%Y-%m-%d %H:%M}  {e.type:<11} {e.what}"), highlight=False, markup=False)
    console.print(f"({len(page.items)} of {page.total})")


@interaction.command("log")
def interaction_log_cmd(
    kind: str = typer.Option(..., "--kind", help="call, meeting, note or email."),
    summary: str = typer.Option(..., "--summary", help="What was said or done."),
    lead_id: int | None = typer.Option(None, "--lead"), client_id: int | None = typer.Option(None, "--client"),
    project_id: int | None = typer.Option(None, "--project"),
    at: str | None = typer.Option(None, "--at", help="When it happened (now if omitted): 2026-12-01T15:00:00Z."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Log a call, meeting, note or e-mail with a client; prints its sentiment."""
    from engine.crm.interactions import log_interaction  # deferred for start-up time
    from engine.crm.schemas import InteractionInput

    body = _validated(InteractionInput, {k: v for k, v in {
        "kind": kind.strip().lower(), "summary": summary, "lead_id": lead_id, "client_id": client_id,
        "project_id": project_id, "occurred_at": _when(at, "--at")}.items() if v is not None})
    view = run(with_services(lambda s: operation(s, log_interaction, body)))
    if json_out:
        print_json(view.model_dump(mode="json"))
        return
    console.print(clean(f"Logged {view.kind} #{view.id} with client #{view.client_id} "
                        f"(sentiment {view.sentiment_label or 'n/a'})."), markup=False)


@project.command("list")
def project_list_cmd(
    status: str | None = typer.Option(None), client_id: int | None = typer.Option(None, "--client"),
    lead_id: int | None = typer.Option(None, "--lead"),
    signed: bool | None = typer.Option(None, "--signed/--unsigned", help="Only with / without a signed contract."),
    limit: int = typer.Option(50, min=1, max=500), offset: int = typer.Option(0, min=0),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Projects, newest first."""
    from engine.crm.lists import list_projects  # deferred for start-up time

    page = run(with_services(lambda s: operation(s, list_projects, status=status, client_id=client_id,
                                                 lead_id=lead_id, contract_signed=signed, limit=limit,
                                                 offset=offset)))
    if json_out:
        print_json(page.model_dump(mode="json"))
        return
    for p in page.items:
        dates = f"{p.start_date or '–'} → {p.end_date or '–'}"
        console.print(clean(f"#{p.id:<5} {p.status:<18} {p.currency} {p.price or '–':>12}  "
                            f"{'signed' if p.contract_signed else 'unsigned':<8} {dates}  {p.title} ({p.client_name})"),
                      highlight=False, markup=False)
    console.print(f"({len(page.items)} of {page.total})")


def invoice_list_cmd(
    status: str | None = typer.Option(None), client_id: int | None = typer.Option(None, "--client"),
    project_id: int | None = typer.Option(None, "--project"), currency: str | None = typer.Option(None),
    overdue: bool = typer.Option(False, "--overdue", help="Only unpaid invoices past their due date."),
    limit: int = typer.Option(50, min=1, max=500), offset: int = typer.Option(0, min=0),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Invoices, newest first."""
    from engine.crm.lists import list_invoices  # deferred for start-up time

    page = run(with_services(lambda s: operation(s, list_invoices, status=status, client_id=client_id,
                                                 project_id=project_id, currency=currency, overdue=overdue,
                                                 limit=limit, offset=offset)))
    if json_out:
        print_json(page.model_dump(mode="json"))
        return
    for i in page.items:
        console.print(clean(f"{i.invoice_number:<24} {i.status:<15} {i.currency} {i.amount:>12}  "
                            f"project #{i.project_id}  {i.client_name}"), highlight=False, markup=False)
    console.print(f"({len(page.items)} of {page.total})")


def register(app: typer.Typer) -> None:
    app.add_typer(lead, name="lead")
    app.add_typer(client, name="client")
    app.add_typer(interaction, name="interaction")
    app.add_typer(project, name="project")
