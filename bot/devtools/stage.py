"""What the guided demo plays on: its own settings, the team's voices, the step printer."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource
from rich.console import Console

from bot.devtools.fake_stripe import FakeStripe
from engine.actors import Actor, Role
from engine.config import Settings
from engine.context import Services, unit_of_work
from engine.team import actor_for_slack_user

T = TypeVar("T")

DEMO_HOST = "http://grace.demo"
DB_FILE = "grace.db"  # the name `grace serve` uses in GRACE_DATA_DIR, so a kept demo can be served
WEBHOOK_SECRET = "whsec_grace_demo"
OPERATOR = Actor(kind="cli", ref="demo", role=Role.ADMIN, name="demo operator")


class DemoFailed(RuntimeError):
    """A step did not give the result the story needs (the message says which)."""


@dataclass
class DemoOutcome:
    database: Path
    lead_id: int = 0
    project_id: int = 0
    vote_id: int = 0
    invoice_id: int = 0
    survey_id: int = 0
    seconds: float = 0.0
    api_key: str = ""
    steps: list[str] = field(default_factory=list)


class ConsoleNotifier:
    """Slack is off in the demo: what the team would be told is printed, dimmed."""

    def __init__(self, out: Console) -> None:
        self.out = out

    async def post(self, channel: str | None, text: str, *, blocks: list[dict[str, Any]] | None = None,
                   thread_ts: str | None = None, key: str | None = None) -> str | None:
        self.out.print(f"    [dim]slack {channel or '#grace'}: {text}[/dim]", highlight=False)
        return None


class DemoSettings(Settings):
    """Settings of the demo alone: built from its arguments and the defaults, never from the
    environment, so nothing can point it at the user's database, Redis, Slack, mail server or
    model provider, or change its thresholds."""

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def demo_settings(workdir: Path, fake: FakeStripe, *, step_delay: float) -> Settings:
    return DemoSettings(
        data_dir=workdir, database_url=f"sqlite+aiosqlite:///{(workdir / DB_FILE).resolve()}",
        public_url=DEMO_HOST, model="offline", log_level="WARNING",
        stripe_api_key=fake.api_key, stripe_api_url=fake.url, stripe_webhook_secret=WEBHOOK_SECRET,
        build_step_delay_seconds=step_delay,
    )


def link_path(link: str) -> str:
    return urlsplit(link).path


class Story:
    def __init__(self, services: Services, http: httpx.AsyncClient, fake: FakeStripe, out: Console,
                 pause: float, outcome: DemoOutcome) -> None:
        self.services, self.http, self.fake, self.out, self.pause, self.outcome = \
            services, http, fake, out, pause, outcome
        self.n = 0

    async def step(self, title: str) -> None:
        self.n += 1
        self.outcome.steps.append(title)
        self.out.rule(f"[bold]{self.n}. {title}")
        if self.pause:
            await asyncio.sleep(self.pause)

    def say(self, who: str, text: str) -> None:
        self.out.print(f"[bold cyan]{who}[/bold cyan]: {text}", highlight=False)

    def result(self, text: str) -> None:
        self.out.print(f"  [green]✓[/green] {text}", highlight=False)

    async def member(self, slack_id: str) -> Actor:
        async with self.services.session_factory() as session:
            return await actor_for_slack_user(session, slack_id)

    async def load(self, model: type[T], row_id: int) -> T:
        async with self.services.session_factory() as session:
            row = await session.get(model, row_id)
        if row is None:
            raise DemoFailed(f"{model.__name__} #{row_id} is missing")
        return row

    async def op(self, actor: Actor, fn: Any, *args: Any, **kwargs: Any) -> Any:
        async with unit_of_work(self.services, actor) as ctx:
            return await fn(ctx, *args, **kwargs)

    async def talk(self, slack_id: str, text: str, fallback: Any, *args: Any) -> None:
        """A team member writes to Grace (the offline model); a confirmation it asks for is answered yes.

        When this build's agent has no tool for the request, the demo says so and runs the same
        engine operation as that member, so the story goes on with the same rules applied."""
        from tools.conversation import converse, decide, get_agent

        actor = await self.member(slack_id)
        who = actor.name or slack_id
        key = f"demo:{slack_id}"
        self.say(who, text)
        reply = await converse(self.services, actor, key, text)
        while reply.pending:
            call = reply.pending[0]
            self.say("Grace", call.question)
            self.say(who, "yes")
            reply = await decide(self.services, actor, key, call.tool_call_id, True)
        self.say("Grace", reply.text)
        if not reply.outcomes:
            if fallback.__name__ in get_agent(self.services).specs:
                raise DemoFailed(f"the agent has a {fallback.__name__} tool but did not use it: {reply.text}")
            self.out.print(f"    [yellow]this build's agent has no {fallback.__name__} tool yet: the demo runs "
                           f"the engine's {fallback.__name__} as {who} instead[/yellow]", highlight=False)
            await self.op(actor, fallback, *args)
            return
        failed = [o for o in reply.outcomes if not o.ok]
        if failed:
            raise DemoFailed(f"{failed[0].tool} failed: {failed[0].result}")

    async def expect(self, response: httpx.Response, *statuses: int) -> httpx.Response:
        if response.status_code not in statuses:
            raise DemoFailed(f"{response.request.method} {response.request.url.path} answered "
                             f"{response.status_code}: {response.text[:300]}")
        return response

