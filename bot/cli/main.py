"""`grace`: the command line."""

from __future__ import annotations

import logging

import typer

from bot.cli import admin, imports, serve
from bot.cli import scoring as scoring_cli

app = typer.Typer(name="grace", help="Grace runs your agency's client lifecycle.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
serve.register(app)
admin.register(app)
imports.register(app)
scoring_cli.register(app)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":
    main()
