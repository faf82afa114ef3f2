"""`grace`: the command line."""

from __future__ import annotations

import logging

import typer

from bot.cli import admin, forms, imports, serve

app = typer.Typer(name="grace", help="Grace runs your agency's client lifecycle.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
serve.register(app)
admin.register(app)
imports.register(app)
forms.register(app)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":
    main()
