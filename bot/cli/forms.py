"""`grace form create|revoke|list`: public website forms."""

from __future__ import annotations

import typer

from bot.cli.common import clean, console, fail, operation, print_json, run, safe, settings, with_services

form = typer.Typer(help="Website forms that post leads without an API key.", no_args_is_help=True)


def _urls(public_id: str) -> tuple[str, str]:
    base = settings().public_url.rstrip("/")
    return f"{base}/forms/{public_id}", f"{base}/forms/{public_id}/embed.js"


@form.command("create")
def form_create(
    name: str = typer.Option(..., "--name", help="What the form is, shown as its heading."),
    origin: list[str] = typer.Option([], "--origin", help="A site allowed to embed it, like https://example.com "
                                     "(repeat for more)."),
    redirect: str | None = typer.Option(None, "--redirect", help="Where to send people after they submit."),
    thank_you: str | None = typer.Option(None, "--thank-you", help="Message shown after submitting (no redirect)."),
) -> None:
    """Create a form and print its hosted URL and the snippet to embed it."""
    from pydantic import ValidationError  # deferred for start-up time, with the engine below

    from engine.sources.forms import FormSpec, create_form

    try:
        spec = FormSpec(name=name, allowed_origins=origin, redirect_url=redirect, thank_you=thank_you)
    except ValidationError as e:
        err = e.errors()[0]
        field = {"allowed_origins": "--origin", "redirect_url": "--redirect"}.get(str(err["loc"][0]), str(err["loc"][0]))
        fail(f"{field}: {str(err['msg']).removeprefix('Value error, ')}")
    f = run(with_services(lambda s: operation(s, create_form, spec)))
    hosted, script = _urls(f.public_id)
    console.print(f"Form [bold]{safe(f.name)}[/bold]: {safe(f.public_id)}")
    print(f"hosted page: {hosted}")
    print("embed:")
    print(f'<div data-grace-form="{f.public_id}"></div>\n<script src="{script}" async></script>')


@form.command("revoke")
def form_revoke(public_id: str = typer.Argument(..., help="The form's id (f_...).")) -> None:
    """Stop accepting submissions (the page answers 410)."""
    from engine.sources.forms import revoke_form  # deferred for start-up time

    f = run(with_services(lambda s: operation(s, revoke_form, public_id)))
    print(clean(f"revoked {f.public_id} ({f.name})"))


@form.command("list")
def form_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """Every form with its origins, state and rejected-submission counters."""
    from engine.sources.forms import list_forms  # deferred for start-up time

    forms = run(with_services(lambda s: operation(s, list_forms)))
    if as_json:
        print_json([f.model_dump(mode="json") for f in forms])
        return
    for f in forms:
        state = f"revoked {f.revoked_at:%Y-%m-%d}" if f.revoked_at else "live"
        rejected = ", ".join(f"{k} {v}" for k, v in sorted(f.rejections.items())) or "none"
        print(clean(f"{f.public_id}  {f.name}  [{state}]  origins: "
                    f"{', '.join(f.allowed_origins) or '(hosted page only)'}  rejected: {rejected}"))


def register(app: typer.Typer) -> None:
    app.add_typer(form, name="form")
