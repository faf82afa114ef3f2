"""`grace apikey`, `grace team`, `grace audit`."""

from __future__ import annotations

import typer

from bot.cli.common import clean, console, fail, operation, run, safe, with_services
from engine.actors import ASSIGNABLE_ROLES

apikey = typer.Typer(help="API keys for the REST API and the dashboard.", no_args_is_help=True)
team = typer.Typer(help="Team members (Slack users) and their roles.", no_args_is_help=True)
audit = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
ROLES = ", ".join(ASSIGNABLE_ROLES)


@apikey.command("create")
def apikey_create(
    name: str = typer.Option(..., "--name", help="Who or what will use the key."),
    role: str = typer.Option(..., "--role", help=f"One of: {ROLES}."),
    member: str = typer.Option("", "--member", help="Slack user id of the team member the key acts for "
                                                    "(their one vote, whichever way they cast it)."),
) -> None:
    """Create a key and print it once (only its hash is kept)."""
    from engine.team import create_api_key  # deferred for start-up time

    new = run(with_services(lambda s: operation(s, create_api_key, name, role, member or None)))
    console.print(clean(f"API key for {new.name} ({new.role}){f' acting for {new.member}' if new.member else ''}, "
                        "shown once; keep it safe:"), markup=False)
    print(new.key)


@apikey.command("link")
def apikey_link(
    key_id: int = typer.Argument(..., help="The key's id (see `grace apikey list`)."),
    member: str = typer.Option(..., "--member", help="Slack user id of the team member the key acts for."),
) -> None:
    """Link a key to a team member: a vote cast with it is that member's one vote."""
    from engine.team import link_api_key  # deferred for start-up time

    run(with_services(lambda s: operation(s, link_api_key, key_id, member)))
    console.print(f"API key #{key_id} now acts for {safe(member)}")


@apikey.command("revoke")
def apikey_revoke(key_id: int = typer.Argument(..., help="The key's id (see `grace apikey list`).")) -> None:
    """Revoke a key; it stops working within 30 seconds everywhere."""
    from engine.team import revoke_api_key  # deferred for start-up time

    run(with_services(lambda s: operation(s, revoke_api_key, key_id)))
    console.print(f"API key #{key_id} revoked")


@apikey.command("list")
def apikey_list() -> None:
    """Keys with their role and when they were last used (the keys themselves are not kept)."""
    from engine.team import list_api_keys  # deferred for start-up time

    keys = run(with_services(lambda s: operation(s, list_api_keys)))
    for k in keys:
        used = k.last_used_at.strftime("%Y-%m-%d %H:%M") if k.last_used_at else "never"
        console.print(clean(f"#{k.id} {k.prefix}… {k.name} ({k.role}) last used {used}{' REVOKED' if k.revoked else ''}"),
                      markup=False)


@team.command("add")
def team_add(
    slack_id: str = typer.Argument(..., help="Slack user id, like U012ABCDEF."),
    name: str = typer.Option(..., "--name"),
    role: str = typer.Option(..., "--role", help=f"One of: {ROLES}."),
) -> None:
    """Add a team member, or change an existing member's name and role."""
    from engine.team import add_team_member  # deferred for start-up time

    m = run(with_services(lambda s: operation(s, add_team_member, slack_id, name, role)))
    console.print(clean(f"{m.name} ({m.slack_user_id}) is now {m.role}"), markup=False)


@audit.command("verify")
def audit_verify() -> None:
    """Walk the chain; exit 1 and name the first broken entry when it does not hold."""
    from engine.audit import verify_audit_chain  # deferred for start-up time


    async def go(services):  # type: ignore[no-untyped-def]
        async with services.session_factory() as session:
            return await verify_audit_chain(session)

    report = run(with_services(go))
    if report.ok:
        print(f"ok {report.entries} entries")
        return
    print(clean(f"broken at seq {report.first_broken_seq}: {report.problem} "
                f"({report.entries} entries verified before it)"))
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(apikey, name="apikey")
    app.add_typer(team, name="team")
    app.add_typer(audit, name="audit")


__all__ = ["register", "fail"]
