"""`grace chat`: talk to the agent in the terminal (the same agent Slack uses)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import typer
from rich.prompt import Confirm, IntPrompt, Prompt

from bot.cli.common import (
    clean,
    console,
    load_policies,
    operator,
    print_json,
    run,
    safe,
    settings,
    with_services,
)
from engine.actors import Actor

if TYPE_CHECKING:
    from engine.context import Services
    from engine.governance.policies import Policies
    from tools.replies import ChatReply

EXIT_WORDS = {"exit", "quit", "bye", ":q"}


async def _speaker(services: Services, slack_user: str | None) -> Actor:
    if not slack_user:
        return operator()
    from engine.team import actor_for_slack_user  # deferred for start-up time

    async with services.session_factory() as session:
        return await actor_for_slack_user(session, slack_user)


async def _confirm_loop(services: Services, actor: Actor, key: str, reply: ChatReply) -> None:
    """Ask which reading was meant when Grace was unsure (a numbered choice, 0 for neither), then y/n for each
    call waiting for confirmation, until none waits."""
    import asyncio  # deferred for start-up time, with the agent below

    from bot.cli.render import render_reply
    from tools.conversation import choose, decide

    if reply.choices:
        picked = await asyncio.to_thread(IntPrompt.ask, "[yellow]1 or 2 (0 for neither)[/yellow]", console=console,
                                         choices=["0", "1", "2"], default=0)
        if picked:
            reply = await choose(services, actor, key, picked)
            render_reply(console, reply)
    while reply.pending:
        call = reply.pending[0]
        approve = await asyncio.to_thread(Confirm.ask, f"[yellow]{safe(call.question)}[/yellow]", console=console,
                                          default=False)
        reply = await decide(services, actor, key, call.tool_call_id, approve)
        render_reply(console, reply)


def chat(
    message: str | None = typer.Argument(None, help="Answer this one message and exit."),
    as_user: str | None = typer.Option(None, "--as", help="Speak as this Slack user id (their team role applies)."),
    dry_run_flag: bool = typer.Option(False, "--dry-run", help="Record the tool calls instead of running them."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON (with --dry-run: tool calls and reply)."),
    session: str | None = typer.Option(None, "--session", help="Conversation to continue (default: yours)."),
) -> None:
    """Talk to Grace. Without MESSAGE, a conversation until 'exit'."""
    if dry_run_flag and not message:
        raise typer.BadParameter("--dry-run needs a MESSAGE")
    if dry_run_flag and message and not session and _offline_dry_run(message, as_user, json_out):
        return
    import asyncio  # deferred for start-up time, with the agent (pydantic-ai) and its tables below

    from bot.cli.render import render_reply
    from tools.conversation import converse, dry_run

    async def go(services: Services) -> None:
        actor = await _speaker(services, as_user)
        if dry_run_flag and message:
            _print_dry_run(await dry_run(services, actor, message, key=session), json_out)
            return
        if message:
            key = session or f"cli:{actor.ref}"
            reply = await converse(services, actor, key, message)
            if json_out:
                print_json({"tool_calls": reply.tool_calls, "reply": reply.text,
                            "pending": [p.__dict__ for p in reply.pending]})
                return
            render_reply(console, reply)
            await _confirm_loop(services, actor, key, reply)
            return
        key = session or f"cli:{actor.ref}:{uuid.uuid4().hex[:8]}"
        console.print(clean(f"Talking to Grace as {actor.name or actor.ref} ({actor.role.value}). 'exit' to leave."),
                      markup=False)
        while True:
            try:
                text = await asyncio.to_thread(Prompt.ask, "[bold cyan]you[/bold cyan]", console=console)
            except (EOFError, KeyboardInterrupt):
                break
            if text.strip().lower() in EXIT_WORDS:
                break
            if not text.strip():
                continue
            try:
                reply = await converse(services, actor, key, text)
                render_reply(console, reply)
                await _confirm_loop(services, actor, key, reply)
            except Exception as e:  # the session goes on; the model or the network may be back next time
                console.print(f"[red]error:[/red] {safe(e)}")

    # A dry run of one message reads nothing from the database unless it speaks as a Slack user or
    # continues a conversation, so it skips the migration (and Alembic's start-up) like it skips every write.
    run(with_services(go, migrate=not dry_run_flag or bool(as_user or session)))


def _offline_dry_run(message: str, as_user: str | None, json_out: bool) -> bool:
    """A dry run of a first message to the offline model (the default): answered from the tool registry and
    the offline parser alone, without the agent framework or, unless `--as` names a Slack user, the database.
    False when a language model is configured: the agent itself must then say what it would do."""
    # Deferred for start-up time: the registry and the parser are what this one command needs.
    from tools.dry_run import offline_dry_run
    from tools.registry import uses_offline_model

    if not uses_offline_model(settings()):
        return False
    if as_user:
        async def speaker(services: Services) -> tuple[Actor, Policies]:
            return await _speaker(services, as_user), services.policies

        actor, policies = run(with_services(speaker))
    else:
        actor, policies = operator(), load_policies()
    _print_dry_run(offline_dry_run(actor, message, policies), json_out)
    return True


def _print_dry_run(reply: ChatReply, json_out: bool) -> None:
    if json_out:
        print_json({"tool_calls": reply.tool_calls, "reply": reply.text})
        return
    for call in reply.tool_calls:
        console.print(f"would call [bold]{call['tool']}[/bold] {safe(call['args'])}")
    console.print(clean(reply.text), markup=False)


def register(app: typer.Typer) -> None:
    app.command("chat")(chat)
