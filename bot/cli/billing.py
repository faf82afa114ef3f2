"""`grace invoice collect|show|mark-paid|remind-overdue`."""

from __future__ import annotations

from typing import Any

import typer

from bot.cli.common import console, fail, operation, print_json, run, safe, with_services
from bot.cli.crm import invoice_list_cmd

invoice = typer.Typer(help="Invoices and payments.", no_args_is_help=True)


def _show(data: Any, json_out: bool) -> None:
    if json_out:
        print_json(data.model_dump(mode="json"))
        return
    for k, v in data.model_dump(mode="json").items():
        console.print(f"[bold]{k}[/bold]: {safe(v)}", highlight=False)


@invoice.command("collect")
def collect_cmd(
    project_id: int = typer.Argument(..., help="The project to invoice."),
    milestone: int | None = typer.Option(None, "--milestone", min=1, help="Milestone number; omit for the balance."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Invoice a milestone or the remaining balance of a project and print the payment link."""
    from engine.billing.invoices import collect_payment  # deferred for start-up time

    _show(run(with_services(lambda s: operation(s, collect_payment, project_id, milestone))), json_out)


@invoice.command("show")
def show_cmd(invoice_id: int = typer.Argument(...), json_out: bool = typer.Option(False, "--json")) -> None:
    """Print an invoice."""
    from engine.billing.invoices import get_invoice  # deferred for start-up time

    _show(run(with_services(lambda s: operation(s, get_invoice, invoice_id))), json_out)


@invoice.command("mark-paid")
def mark_paid_cmd(
    invoice_id: int = typer.Argument(...),
    reference: str = typer.Option(..., "--reference", help="The bank transfer's reference."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Record that an invoice was paid (a bank transfer, usually). Running it again changes nothing."""
    from pydantic import ValidationError  # deferred for start-up time, with the engine below

    from engine.billing.schemas import MarkPaidInput
    from engine.billing.settle import mark_invoice_paid

    try:
        body = MarkPaidInput(reference=reference)
    except ValidationError:
        fail("--reference must not be empty (at most 128 characters).")
    _show(run(with_services(lambda s: operation(s, mark_invoice_paid, invoice_id, body))), json_out)


@invoice.command("remind-overdue")
def remind_cmd(json_out: bool = typer.Option(False, "--json")) -> None:
    """Mark past-due invoices overdue and remind the team (what the daily job does)."""
    from engine.billing.reminders import remind_overdue_invoices  # deferred for start-up time

    _show(run(with_services(lambda s: operation(s, remind_overdue_invoices))), json_out)


def register(app: typer.Typer) -> None:
    invoice.command("list")(invoice_list_cmd)  # the CRM's lists (bot/cli/crm.py)
    app.add_typer(invoice, name="invoice")
