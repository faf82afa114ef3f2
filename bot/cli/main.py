"""`grace`: the command line."""

from __future__ import annotations

import logging

import typer

from bot.cli import admin, chat, crm, demo, forms, fx, imports, nps, serve, worker
from bot.cli import billing as billing_cli
from bot.cli import governance as governance_cli
from bot.cli import proposals as proposal_cli
from bot.cli import scoring as scoring_cli

app = typer.Typer(name="grace", help="Grace runs your agency's client lifecycle.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
serve.register(app)
admin.register(app)
imports.register(app)
proposal_cli.register(app)
worker.register(app)
nps.register(app)
billing_cli.register(app)
governance_cli.register(app)
chat.register(app)
scoring_cli.register(app)
forms.register(app)
demo.register(app)
fx.register(app)
crm.register(app, billing_cli.invoice)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":
    main()
