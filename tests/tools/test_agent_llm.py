"""The real LLM path: `GRACE_MODEL=openai-compat:NAME` with `GRACE_OPENAI_BASE_URL`, through pydantic-ai's real
OpenAI chat-completions client, against a fake OpenAI-compatible server on loopback (bot/devtools/fake_openai.py).

What reaches the model and what comes back: the tools the speaker's role allows, the speaker in the
instructions, the thread's history (and only that thread's), tool results with client text already wrapped
by Hunter; a money tool waits for the speaker's confirmation before it runs; a server error or a timeout
is a clear answer that changes nothing.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pydantic_ai.models
import pytest
import pytest_asyncio
from sqlalchemy import func, select

from engine.actors import Actor, Role
from engine.config import Settings
from engine.context import Services
from engine.governance.policies import Policies
from storage.models import Invoice, Lead
from tests.fakes.openai import FakeOpenAI, Turn, run_fake_openai
from tests.helpers.agent import INJECTION, poisoned_lead_with_an_open_invoice
from tests.helpers.billing import make_project
from tools.agent import GraceAgent, configured_model, tool_specs
from tools.conversation import converse, decide, get_agent
from tools.history import load_thread

SHIPPED = Policies()  # the rules the test services load (no policies file)
SAM = Actor(kind="team_member", ref="U0SAM", role=Role.SALES, name="Sam")
FIN = Actor(kind="team_member", ref="U0FIN", role=Role.FINANCE, name="Fin")
VIC = Actor(kind="team_member", ref="U0VIC", role=Role.VIEWER, name="Vic")
GRACE = Path(sys.executable).with_name("grace")


@pytest_asyncio.fixture
async def llm(settings: Settings, monkeypatch) -> AsyncIterator[tuple[Services, FakeOpenAI]]:
    """Services configured for a local model server, the fake serving it; model requests allowed (loopback)."""
    from bot.services import build_services, close_services

    monkeypatch.setattr(pydantic_ai.models, "ALLOW_MODEL_REQUESTS", True)
    async with run_fake_openai("fake-model") as fake:
        settings.model = "openai-compat:fake-model"
        settings.openai_base_url = fake.url
        settings.model_timeout_seconds = 1.0
        settings.model_max_retries = 0
        services = await build_services(settings)
        try:
            yield services, fake
        finally:
            await close_services(services)


def allowed_tools(role: Role) -> set[str]:
    return {s.name for s in tool_specs() if SHIPPED.allowed(s.action, role)}


def test_the_model_is_pydantic_ais_openai_chat_client_on_the_configured_server():
    from pydantic_ai.models.openai import OpenAIChatModel

    s = Settings(model="openai-compat:qwen2.5", openai_base_url="http://127.0.0.1:9/v1", _env_file=None)  # type: ignore[call-arg]
    model = configured_model(s)
    assert isinstance(model, OpenAIChatModel) and model.model_name == "qwen2.5"
    assert str(model.client.base_url).startswith("http://127.0.0.1:9/v1")
    assert model.client.timeout == s.model_timeout_seconds and model.client.max_retries == s.model_max_retries
    with pytest.raises(ValueError, match="GRACE_OPENAI_BASE_URL"):
        configured_model(Settings(model="openai-compat:qwen2.5", _env_file=None))  # type: ignore[call-arg]
    assert configured_model(Settings(model="offline", _env_file=None)) is None  # type: ignore[call-arg]


async def test_a_tool_call_goes_out_and_its_result_comes_back(llm):
    services, fake = llm
    assert not get_agent(services).offline
    fake.then(Turn.call("capture_lead", name="Ada Lovelace", email="ada@example.com", source="linkedin"),
              lambda body: Turn.say("Captured: " + json.loads(body["messages"][-1]["content"])["client_name"]))
    r = await converse(services, SAM, "llm:capture", "new lead Ada Lovelace ada@example.com from linkedin")
    [o] = r.outcomes
    assert (o.tool, o.ok, o.args["email"]) == ("capture_lead", True, "ada@example.com")
    assert r.text == "Captured: Ada Lovelace"
    async with services.session_factory() as s:
        assert (await s.execute(select(Lead.source))).scalar_one() == "linkedin"
    first, second = fake.requests
    assert first["model"] == "fake-model"
    assert fake.tools_offered(0) == allowed_tools(Role.SALES)
    system = " ".join(str(m["content"]) for m in first["messages"] if m["role"] == "system")
    assert "You are Grace" in system and "whose role is sales" in system
    assert first["messages"][-1] == {"role": "user", "content": "new lead Ada Lovelace ada@example.com from linkedin"}
    assert second["messages"][-1]["role"] == "tool" and '"lead_id"' in second["messages"][-1]["content"]


async def test_only_the_tools_of_the_speakers_role_reach_the_model(llm):
    services, fake = llm
    fake.then(Turn.say("hello"))
    await converse(services, VIC, "llm:viewer", "hi")
    offered = fake.tools_offered()
    assert offered == allowed_tools(Role.VIEWER)
    assert "capture_lead" not in offered and "collect_payment" not in offered and "show_lead" in offered
    fake.then(Turn.say("hello"))
    await converse(services, FIN, "llm:finance", "hi")
    assert "mark_invoice_paid" in fake.tools_offered() and fake.tools_offered() == allowed_tools(Role.FINANCE)


async def test_a_money_tool_waits_for_its_confirmation_button(llm):
    services, fake = llm
    project = await make_project(services, price="4000.00")
    fake.then(Turn.call("collect_payment", project_id=project.id))
    asked = await converse(services, FIN, "llm:money", f"invoice project {project.id}")
    [waiting] = asked.pending
    assert waiting.tool == "collect_payment" and asked.outcomes == []
    assert waiting.question == f"Invoice project #{project.id}? The client gets an invoice."
    assert len(fake.requests) == 1  # the run stopped at the approval: nothing ran, the model was not asked again
    async with services.session_factory() as s:
        assert (await s.execute(select(func.count()).select_from(Invoice))).scalar_one() == 0

    other = Actor(kind="team_member", ref="U0OTHER", role=Role.FINANCE)
    assert (await decide(services, other, "llm:money", waiting.tool_call_id, True)).refused
    done = await decide(services, FIN, "llm:money", waiting.tool_call_id, True)
    assert done.text.startswith("Done:") and done.outcomes[0].tool == "collect_payment" and done.outcomes[0].ok
    async with services.session_factory() as s:
        assert (await s.execute(select(func.count()).select_from(Invoice))).scalar_one() == 1
    result = fake.messages()[-1]
    assert result["role"] == "tool" and "invoice_number" in result["content"]
    assert (await decide(services, FIN, "llm:money", waiting.tool_call_id, True)).refused


async def test_a_cancelled_money_tool_never_runs_and_the_model_is_told(llm):
    services, fake = llm
    project = await make_project(services, price="4000.00")
    fake.then(Turn.call("collect_payment", project_id=project.id))
    asked = await converse(services, FIN, "llm:cancel", f"bill project {project.id}")
    done = await decide(services, FIN, "llm:cancel", asked.pending[0].tool_call_id, False)
    assert done.outcomes == [] and "Cancelled" in fake.messages()[-1]["content"]
    async with services.session_factory() as s:
        assert (await s.execute(select(func.count()).select_from(Invoice))).scalar_one() == 0


async def test_history_is_kept_per_thread(llm):
    services, fake = llm
    fake.then(Turn.say("Noted."), Turn.say("It was Ada."), Turn.say("No idea."))
    await converse(services, SAM, "llm:thread-a", "remember: the client is Ada")
    await converse(services, SAM, "llm:thread-a", "who was the client?")
    contents = [m["content"] for m in fake.messages(1)]
    assert "remember: the client is Ada" in contents and "Noted." in contents
    await converse(services, SAM, "llm:thread-b", "who was the client?")
    assert "remember: the client is Ada" not in fake.text_seen(2)


async def test_client_text_reaches_the_model_wrapped_by_hunter(llm):
    services, fake = llm
    lead_id, _ = await poisoned_lead_with_an_open_invoice(services)
    fake.then(Turn.call("show_lead", lead_id=lead_id))
    r = await converse(services, SAM, "llm:hunter", f"show lead {lead_id}")
    assert r.outcomes[0].tool == "show_lead" and r.outcomes[0].ok
    seen = fake.text_seen()
    assert '"lead_id"' in seen and INJECTION not in seen.lower()


async def test_a_server_error_is_a_clear_answer_and_changes_nothing(llm):
    services, fake = llm
    fake.then(Turn.fail(500, "model crashed"))
    r = await converse(services, SAM, "llm:error", "how's the pipeline?")
    assert "did not answer" in r.text and "nothing was changed" in r.text and r.tool_calls == []
    assert (await load_thread(services, "llm:error")).messages == []
    fake.then(Turn.say("Back again."))
    assert (await converse(services, SAM, "llm:error", "how's the pipeline?")).text == "Back again."


async def test_a_timeout_is_a_clear_answer_and_changes_nothing(llm):
    services, fake = llm
    fake.then(Turn.hang(3.0))
    r = await converse(services, SAM, "llm:slow", "how's the pipeline?")
    assert "did not answer" in r.text and "Timeout" in r.text
    assert (await load_thread(services, "llm:slow")).messages == []


async def test_a_call_with_bad_arguments_goes_back_to_the_model_to_fix(llm):
    services, fake = llm
    fake.then(Turn.call("show_lead", lead_id="twelve"), Turn.say("Which lead did you mean?"))
    r = await converse(services, SAM, "llm:retry", "show lead twelve")
    assert r.text == "Which lead did you mean?" and r.outcomes == []
    retry = fake.messages()[-1]
    assert retry["role"] == "tool" and "lead_id" in retry["content"]


async def test_grace_chat_dry_run_json_drives_the_configured_server(tmp_path):
    """The installed command, with only environment variables: the same JSON shape as the offline model."""
    async with run_fake_openai("fake-model") as fake:
        fake.then(Turn.call("qualify_lead", lead_id=48), Turn.say("Would qualify lead 48."))
        env = {**os.environ, "GRACE_MODEL": "openai-compat:fake-model", "GRACE_OPENAI_BASE_URL": fake.url,
               "GRACE_DATA_DIR": str(tmp_path), "GRACE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/g.db",
               "GRACE_REDIS_URL": "", "SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": "", "OPENAI_API_KEY": ""}
        proc = await asyncio.create_subprocess_exec(str(GRACE), "chat", "--dry-run", "--json", "how promising is #48?",
                                                    env=env, stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()
    data = json.loads(out)
    assert set(data) == {"tool_calls", "reply"}
    assert data["tool_calls"] == [{"tool": "qualify_lead", "args": {"lead_id": 48}}]
    assert data["reply"] == "Would qualify lead 48."
    assert fake.requests[0]["messages"][-1]["content"] == "how promising is #48?"


def test_the_offline_agent_is_the_default():
    assert GraceAgent(Settings(_env_file=None)).offline  # type: ignore[call-arg]
