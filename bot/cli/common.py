"""Shared helpers of the command line: settings, services, the local operator, errors."""

from __future__ import annotations

import getpass
import json
import re
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from engine.actors import Actor, Role
from engine.errors import GraceError

if TYPE_CHECKING:
    from engine.config import Settings
    from engine.context import Services
    from engine.governance.policies import Policies

T = TypeVar("T")
# No ":name:" emoji codes: a client called "Acme :warning: Ltd" is printed as written.
console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False)

# What must not reach the terminal raw from people's words: C0 controls but tab and newline (ESC starts a
# colour, a screen clear or an OSC 8 link; CR overwrites the line), DEL, the C1 controls (0x9b is a CSI on
# its own), and the bidi overrides and isolates that make a line read differently from what it holds.
CONTROL_CHARS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
CONTROL = re.compile(f"[{CONTROL_CHARS}]")
# In JSON also the lone surrogates a "\\ud800" escape in the input decodes to: UTF-8 cannot encode them, so
# written raw they end the command with a UnicodeEncodeError.
JSON_ESCAPED = re.compile(f"[{CONTROL_CHARS}\ud800-\udfff]")


def clean(value: Any) -> str:
    """Outside text (a name, a note, a row of a file) as a string the terminal prints as written: each
    control character shown as its escape (\\x1b), never sent raw."""
    text = "" if value is None else str(value)
    return CONTROL.sub(lambda m: ascii(m.group())[1:-1], text)


def safe(value: Any) -> str:
    """Outside text to put inside a rich markup string: `clean`, then "[/b]" or "[link=...]" escaped so rich
    prints the brackets instead of reading a tag (a stray closing tag is a MarkupError)."""
    return escape(clean(value))


def settings() -> Settings:
    from engine.config import Settings  # deferred for start-up time (pydantic-settings)

    return Settings()


def load_policies() -> Policies:
    """The policies `grace serve` would load from these settings (a bad file: its error, exit 1)."""
    from engine.governance.policies import Policies  # deferred for start-up time
    from engine.pipeline.stages import Stage

    try:
        return Policies.from_settings(settings(), stages=frozenset(s.value for s in Stage))
    except ValueError as e:
        fail(str(e))


def operator() -> Actor:
    """Whoever runs the CLI on the server is trusted as an admin (they hold the database)."""
    user = getpass.getuser()
    return Actor(kind="cli", ref=user, role=Role.ADMIN, name=user)


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[red]error:[/red] {safe(message)}")
    raise typer.Exit(code)


def run(coro: Awaitable[T]) -> T:
    import asyncio  # deferred for start-up time: `--help` and Hunter need no event loop

    try:
        return asyncio.run(coro)  # type: ignore[arg-type]
    except GraceError as e:
        fail(e.message)


async def with_services(fn: Callable[[Services], Awaitable[T]], *, migrate: bool = True) -> T:
    import asyncio  # deferred for start-up time, with the whole engine below

    from bot.services import build_services, close_services

    s = settings()
    if migrate:
        # Alembic's env runs its own event loop: keep it off ours.
        await asyncio.to_thread(migrate_database, s)
    services = await build_services(s)
    try:
        return await fn(services)
    finally:
        await close_services(services)


async def operation(services: Services, op: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
    from engine.context import unit_of_work  # deferred for start-up time (SQLAlchemy)

    async with unit_of_work(services, operator()) as ctx:
        return await op(ctx, *args, **kwargs)


def migrate_database(s: Settings) -> None:
    from storage.migrate import upgrade  # deferred for start-up time (Alembic)

    s.ensure_data_dir()
    upgrade(s.resolved_database_url)


def print_json(data: Any, *, indent: int | None = 2) -> None:
    """Print `data` as JSON the terminal shows as written: letters (é, 東) as themselves, each control
    character, bidi override or isolate and lone surrogate as its \\uXXXX escape; parsing the output gives
    `data` back."""
    text = json.dumps(data, indent=indent, default=str, ensure_ascii=False)
    # Outside its strings JSON holds none of those characters; inside a string \\uXXXX is the same character.
    sys.stdout.write(JSON_ESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")
