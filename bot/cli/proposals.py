"""`grace proposal generate LEAD_ID` and `grace proposal catalog`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from bot.cli.common import clean, console, fail, operation, print_json, run, safe, settings, with_services
from engine.errors import GraceError

if TYPE_CHECKING:
    from engine.proposals.schemas import GenerateProposalResult

proposal = typer.Typer(help="Proposals and the service catalog.", no_args_is_help=True)


@proposal.command("generate")
def generate_cmd(
    lead_id: int = typer.Argument(..., help="The lead to propose to."),
    requirements: str = typer.Option(None, "--requirements", "-r", help="Defaults to the lead's requirements."),
    budget: str = typer.Option(None, "--budget", "-b", help='e.g. 12000, "12,000" or "$12k"; defaults to the lead\'s.'),
    json_out: bool = typer.Option(False, "--json", help="Print the API's JSON answer."),
) -> None:
    """Draft, price and store a new version of the lead's proposal, with its project plan."""
    from engine.proposals.service import generate_proposal  # deferred for start-up time


    async def go(services):  # type: ignore[no-untyped-def]
        return await operation(services, generate_proposal, lead_id, requirements, budget)

    result: GenerateProposalResult = run(with_services(go))
    if json_out:
        print_json(result.model_dump(mode="json"))
        return
    p = result.proposal
    console.print(f"[bold]Proposal #{p.id} v{p.version}[/bold] for lead #{lead_id}")
    for d in p.deliverables:
        tag = " (optional)" if d.optional else ""
        console.print(clean(f"  {d.name}{tag}: {d.hours} h × {d.rate} = {d.amount}"), markup=False)
    console.print(f"  {p.total_hours} hours, about {p.weeks} weeks; subtotal {p.subtotal}, discount {p.discount}, "
                  f"[bold]price {safe(p.price)}[/bold]")
    console.print(f"  {clean(p.budget_note)}", markup=False)
    for m in result.project_plan.milestones:
        console.print(clean(f"  milestone {m.name}: {m.amount} due {m.due}"), markup=False)
    console.print(f"  client link: {clean(p.link)}", markup=False)


@proposal.command("catalog")
def catalog_cmd() -> None:
    """Check the service catalog (GRACE_CATALOG_PATH or the shipped one) and list its service lines."""
    from engine.proposals.catalog import load_catalog  # deferred for start-up time

    s = settings()
    try:
        catalog = load_catalog(s.catalog_path)
    except GraceError as e:
        fail(e.message)
    console.print(clean(f"catalog: {s.catalog_path or 'shipped default'} — ok"), markup=False)
    for role, r in catalog.roles.items():
        console.print(clean(f"  role {role}: {r.rate}/h (cost {r.cost}/h)"), markup=False)
    for code, table in catalog.currencies.items():
        console.print(clean(f"  rates in {code}: " + ", ".join(f"{role} {r.rate}/h" for role, r in table.roles.items())),
                      markup=False)
    for line in catalog.services:
        hours = sum(d.hours for d in line.deliverables)
        console.print(clean(f"  {line.key}: {line.name} — {len(line.deliverables)} deliverables, {hours} h"), markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(proposal, name="proposal")
