"""`grace`: the command line.

Each command group's module is imported when one of its commands runs, not at start-up: `grace hunter scan`
loads `bot/cli/governance.py` and what its command needs, not every group. `grace --help` lists every
command, so it loads every group module (each defers its heavy imports to its commands' bodies).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator, Mapping, MutableMapping
from functools import cache
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup
from typer.main import get_group

if TYPE_CHECKING:
    from typer._click import Command, Context  # the click that typer vendors

# Each top-level command, in the order `--help` lists them, and the module of bot/cli/ whose
# `register(app)` defines it.
COMMANDS: dict[str, str] = {
    "migrate": "serve", "serve": "serve", "worker": "worker", "verify": "governance", "chat": "chat",
    "demo": "demo", "apikey": "admin", "team": "admin", "audit": "admin", "import": "imports",
    "proposal": "proposals", "nps": "nps", "invoice": "billing", "hunter": "governance", "policy": "governance",
    "model": "scoring", "form": "forms", "fx": "fx", "lead": "crm", "client": "crm", "interaction": "crm",
    "project": "crm",
}


@cache
def commands_of(module: str) -> TyperGroup:
    """The commands one module of bot/cli/ registers, as a click group."""
    # The one lookup by name in the CLI: it is what keeps a command's start-up to its own module.
    group = typer.Typer()
    importlib.import_module(f"bot.cli.{module}").register(group)
    return get_group(group)


class LazyCommands(MutableMapping[str, "Command"]):
    """The top-level commands by name: every name is known at once (for `--help`'s list and "did you mean"),
    and a command's module is loaded the first time the command is looked up."""

    def __init__(self, given: Mapping[str, Command]) -> None:
        self.loaded: dict[str, Command] = dict(given)

    def __getitem__(self, name: str) -> Command:
        if name not in self.loaded and name in COMMANDS:
            self.loaded.update(commands_of(COMMANDS[name]).commands)
        return self.loaded[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self.loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self.loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter([*COMMANDS, *(name for name in self.loaded if name not in COMMANDS)])

    def __len__(self) -> int:
        return len(set(COMMANDS) | set(self.loaded))


class LazyGroup(TyperGroup):
    """The top-level group, over `LazyCommands`; `--help` lists the commands in `COMMANDS`' order."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = LazyCommands(self.commands)

    def list_commands(self, ctx: Context) -> list[str]:
        return list(self.commands)


app = typer.Typer(name="grace", help="Grace runs your agency's client lifecycle.", no_args_is_help=True,
                  pretty_exceptions_enable=False, cls=LazyGroup)


@app.callback()
def grace() -> None:
    """Grace runs your agency's client lifecycle."""


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":
    main()
