"""The agent: tool schemas (TestModel), role filtering, confirmation, history, dry runs, model choice."""

from __future__ import annotations

import pytest
from pydantic_ai import DeferredToolRequests
from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, TextPart, UserPromptPart
from pydantic_ai.models.function import AgentInfo, FunctionModel
from pydantic_ai.models.test import TestModel
from sqlalchemy import func, select

from engine.actors import Actor, Role
from engine.config import Settings
from storage.models import AgentConversation, Lead
from tests.conftest import ADMIN
from tools.agent import GraceAgent, configured_model, tool_specs
from tools.conversation import converse, decide, dry_run
from tools.deps import AgentDeps
from tools.history import cap, load_thread

ONE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
SAM = Actor(kind="team_member", ref="U0SAM", role=Role.SALES, name="Sam")


async def offered_tools(agent: GraceAgent, deps: AgentDeps) -> dict[str, object]:
    seen: dict[str, object] = {}

    def capture(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        seen.update({t.name: t for t in info.function_tools})
        return ModelResponse(parts=[TextPart("ok")])

    await agent.agent.run("hi", deps=deps, model=FunctionModel(capture))
    return seen


@ONE
async def test_every_tool_has_a_schema_the_model_can_call(services):
    agent = GraceAgent(services.settings)
    tools = await offered_tools(agent, AgentDeps(services, ADMIN))
    assert set(tools) == {s.name for s in tool_specs()}
    for name, td in tools.items():
        assert td.description, name
        for prop, schema in td.parameters_json_schema["properties"].items():
            assert schema.get("description"), f"{name}.{prop} has no description for the model"
    for spec in tool_specs():
        result = await agent.agent.run("go", deps=AgentDeps(services, ADMIN),
                                       model=TestModel(call_tools=[spec.name]))
        if spec.confirm:
            assert isinstance(result.output, DeferredToolRequests)
            assert [c.tool_name for c in result.output.approvals] == [spec.name]
        else:
            assert isinstance(result.output, str)


@ONE
@pytest.mark.parametrize("role", [r for r in Role if r not in (Role.CLIENT,)])
async def test_only_tools_the_role_allows_are_offered(services, role):
    agent = GraceAgent(services.settings)
    actor = Actor(kind="team_member", ref="U1", role=role)
    tools = await offered_tools(agent, AgentDeps(services, actor))
    assert set(tools) == {s.name for s in tool_specs() if services.policies.allowed(s.action, role)}


@ONE
async def test_engine_checks_again_even_if_a_tool_is_called(services):
    """The model's choice never grants a permission: a viewer's call is refused by the engine."""
    from pydantic_ai import RunContext

    from tools.pipeline import capture_lead

    viewer = Actor(kind="team_member", ref="U9", role=Role.VIEWER)
    ctx = RunContext(deps=AgentDeps(services, viewer), model=TestModel(), usage=None, prompt="x")  # type: ignore[arg-type]
    out = await capture_lead(ctx, name="Eve", email="eve@example.com")
    assert out["error"] == "policy_denied"
    async with services.session_factory() as s:
        assert (await s.execute(select(func.count()).select_from(Lead))).scalar_one() == 0


async def test_conversation_with_pronouns_and_confirmation(services):
    key = "test:thread"
    r = await converse(services, SAM, key, "new lead: Ada Lovelace ada@example.com, budget $12k, via LinkedIn")
    assert r.outcomes[0].tool == "capture_lead" and r.outcomes[0].ok
    lead_id = r.outcomes[0].result["lead_id"]
    r = await converse(services, SAM, key, "move it to proposal")
    assert r.outcomes[0].args == {"lead_id": lead_id, "stage": "PROPOSAL"}
    r = await converse(services, SAM, key, "it went cold")
    assert r.pending and r.pending[0].tool == "mark_lead_lost" and r.outcomes == []
    other = Actor(kind="team_member", ref="U0OTHER", role=Role.SALES)
    assert (await decide(services, other, key, r.pending[0].tool_call_id, True)).refused
    done = await decide(services, SAM, key, r.pending[0].tool_call_id, True)
    assert "marked lost" in done.text
    again = await decide(services, SAM, key, r.pending[0].tool_call_id, True)
    assert again.refused
    async with services.session_factory() as s:
        assert (await s.get(Lead, lead_id)).stage == "LOST"


@ONE
async def test_a_new_message_drops_a_waiting_confirmation(services):
    key = "test:drop"
    await converse(services, SAM, key, "new lead: Ada Lovelace ada@example.com")
    r = await converse(services, SAM, key, "mark it lost: no budget")
    assert r.pending
    r2 = await converse(services, SAM, key, "how's the pipeline?")
    assert r2.text.startswith("Pipeline:")
    assert (await load_thread(services, key)).pending == {}
    assert (await decide(services, SAM, key, r.pending[0].tool_call_id, True)).refused
    async with services.session_factory() as s:
        assert (await s.execute(select(Lead.stage))).scalar_one() == "LEAD"


@ONE
async def test_history_is_capped_per_thread(services):
    services.settings.history_max_messages = 6
    for i in range(6):
        await converse(services, SAM, "test:cap", f"find lead{i}")
    thread = await load_thread(services, "test:cap")
    assert 0 < len(thread.messages) <= 6
    first = thread.messages[0]
    assert isinstance(first, ModelRequest) and any(isinstance(p, UserPromptPart) for p in first.parts)


def test_cap_never_splits_a_call_from_its_result():
    u = ModelRequest(parts=[UserPromptPart("x")])
    t = ModelResponse(parts=[TextPart("y")])
    msgs: list[ModelMessage] = [u, t, ModelRequest(parts=[]), t, u, t]
    assert cap(msgs, 3) == [u, t]
    assert cap(msgs, 10) == msgs


@ONE
async def test_dry_run_records_and_touches_nothing(services):
    r = await dry_run(services, SAM, "new lead: Ada Lovelace ada@example.com, budget $12k")
    assert r.tool_calls == [{"tool": "capture_lead", "args": {"name": "Ada Lovelace", "email": "ada@example.com",
                                                              "source": "slack", "budget": "$12k"}}]
    r = await dry_run(services, SAM, "mark lead 3 lost: no budget")
    assert r.tool_calls == [{"tool": "mark_lead_lost", "args": {"lead_id": 3, "reason": "no budget"}}]
    async with services.session_factory() as s:
        assert (await s.execute(select(func.count()).select_from(Lead))).scalar_one() == 0
        assert (await s.execute(select(func.count()).select_from(AgentConversation))).scalar_one() == 0


def test_model_choice():
    assert configured_model(Settings(_env_file=None)) is None  # type: ignore[call-arg]
    s = Settings(model="anthropic:claude-sonnet-4-5", _env_file=None)  # type: ignore[call-arg]
    assert configured_model(s) == "anthropic:claude-sonnet-4-5"
    GraceAgent(s)  # no API key needed to build it (defer_model_check)
    from pydantic_ai.models.openai import OpenAIChatModel

    local = Settings(model="openai-compat:llama3", openai_base_url="http://127.0.0.1:9/v1", _env_file=None)  # type: ignore[call-arg]
    m = configured_model(local)
    assert isinstance(m, OpenAIChatModel) and m.model_name == "llama3"


@ONE
async def test_two_messages_at_once_in_one_thread_keep_both_turns(services):
    import asyncio

    await asyncio.gather(converse(services, SAM, "test:both", "how's the pipeline?"),
                         converse(services, SAM, "test:both", "revenue this month"))
    prompts = [p.content for m in (await load_thread(services, "test:both")).messages for p in m.parts
               if isinstance(p, UserPromptPart)]
    assert sorted(prompts) == ["how's the pipeline?", "revenue this month"]


@ONE
async def test_a_configured_model_runs_the_same_tools_and_approvals(services):
    """With GRACE_MODEL set (here pydantic-ai's 'test' model) the same tools, roles and approvals apply."""
    services.settings.model = "test"
    r = await converse(services, SAM, "test:llm", "do everything")
    called = {c["tool"] for c in r.tool_calls}
    assert called == {s.name for s in tool_specs() if services.policies.allowed(s.action, SAM.role)}
    confirmed = {s.name for s in tool_specs() if s.confirm and services.policies.allowed(s.action, SAM.role)}
    assert {p.tool for p in r.pending} == confirmed == {"mark_lead_lost", "send_nps_survey"}
    assert not confirmed & {o.tool for o in r.outcomes}
    done = await decide(services, SAM, "test:llm", r.pending[0].tool_call_id, False)
    assert not done.refused


@ONE
async def test_another_persons_message_does_not_drop_a_waiting_confirmation(services):
    """Only the person asked may answer (or, by writing again, drop) their confirmation."""
    key = "test:shared-thread"
    await converse(services, SAM, key, "new lead: Ada Lovelace ada@example.com")
    r = await converse(services, SAM, key, "mark it lost: no budget")
    assert r.pending
    other = Actor(kind="team_member", ref="U0OTHER", role=Role.SALES)
    butting_in = await converse(services, other, key, "how's the pipeline?")
    assert butting_in.refused and "<@U0SAM>" in butting_in.text
    assert (await decide(services, other, key, r.pending[0].tool_call_id, False)).refused
    assert list((await load_thread(services, key)).pending) == [r.pending[0].tool_call_id]
    done = await decide(services, SAM, key, r.pending[0].tool_call_id, True)
    assert "marked lost" in done.text
    async with services.session_factory() as s:
        assert (await s.execute(select(Lead.stage))).scalar_one() == "LOST"
