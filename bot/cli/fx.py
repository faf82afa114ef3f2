"""`grace fx set|list`: exchange rates against the agency's currency."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

import typer

from bot.cli.common import clean, console, fail, operation, print_json, run, with_services

fx = typer.Typer(help="Exchange rates: what one unit of a currency is worth in the agency's currency.",
                 no_args_is_help=True)


@fx.command("set")
def set_cmd(
    currency: str = typer.Argument(..., help="Three-letter code, e.g. EUR."),
    rate: str = typer.Argument(..., help="One unit of CURRENCY in the agency's currency, e.g. 1.08."),
    as_of: str | None = typer.Option(None, "--as-of", help="The day it holds from (YYYY-MM-DD); today if omitted."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Set a rate: `grace fx set EUR 1.08` means 1 EUR = 1.08 in GRACE_CURRENCY."""
    from pydantic import ValidationError  # deferred for start-up time

    from engine.fx import FxRateInput, set_fx_rate  # deferred for start-up time

    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        fail(f"--as-of must be a date like 2026-12-01, not {(as_of or '')[:20]!r}")
    try:
        body = FxRateInput(currency=currency, rate=Decimal(rate), as_of=day)
    except (InvalidOperation, ValueError) as e:
        if isinstance(e, ValidationError):
            err = e.errors()[0]
            fail(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}")
        fail(f"rate must be a number such as 1.08, not {rate[:20]!r}")
    view = run(with_services(lambda s: operation(s, set_fx_rate, body)))
    if json_out:
        print_json(view.model_dump(mode="json"))
        return
    console.print(clean(f"1 {view.currency} = {view.rate} {view.base} from {view.as_of}"), markup=False)


@fx.command("list")
def list_cmd(json_out: bool = typer.Option(False, "--json")) -> None:
    """Every rate set, newest first."""
    from engine.fx import list_fx_rates  # deferred for start-up time

    rates = run(with_services(lambda s: operation(s, list_fx_rates)))
    if json_out:
        print_json(rates.model_dump(mode="json"))
        return
    if not rates.rates:
        console.print(clean(f"No rates set: amounts in other currencies than {rates.base} are never added together."),
                      markup=False)
    for r in rates.rates:
        console.print(clean(f"{r.as_of}  1 {r.currency} = {r.rate} {r.base}  (set by {r.set_by})"), markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(fx, name="fx")
