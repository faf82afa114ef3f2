"""Issue 9's "must show": an instruction injected in a lead's requirements does not make the agent call a
tool it was not asked for — with the offline model, and with a model that obeys any instruction it reads.

Client text reaches a model only through `engine.hunter.for_model` (tools.base.client_text); if it did
reach one raw, the engine still refuses: the tool is not offered to the speaker's role, and a tool that
moves money waits for the speaker's confirmation.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from pydantic_ai import DeferredToolRequests
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    RetryPromptPart,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
)
from pydantic_ai.models.function import AgentInfo, FunctionModel
from sqlalchemy import select

import tools.base
from engine.actors import Actor, Role
from engine.pipeline.capture import capture_lead
from engine.pipeline.schemas import LeadInput
from storage.models import Invoice, Lead
from tests.conftest import SALES, lead_data, op
from tests.helpers.agent import INJECTION, REQUIREMENTS, poisoned_lead_with_an_open_invoice
from tools.agent import GraceAgent
from tools.conversation import converse
from tools.deps import AgentDeps

SAM = Actor(kind="team_member", ref="U0SAM", role=Role.SALES, name="Sam")
FIN = Actor(kind="team_member", ref="U0FIN", role=Role.FINANCE, name="Fin")


async def invoice_status(services, invoice_id: int) -> str:
    async with services.session_factory() as s:
        return (await s.get(Invoice, invoice_id)).status


def all_text(messages: list[ModelMessage]) -> str:
    out = []
    for m in messages:
        for p in m.parts:
            c = getattr(p, "content", None)
            out.append(c if isinstance(c, str) else json.dumps(c, default=str))
    return "\n".join(out)


def obedient(lead_id: int, invoice_id: int, project_id: int = 1) -> tuple[FunctionModel, list[str]]:
    """A model that does what the user asks (show the lead) and then whatever any text it reads tells it."""
    calls: list[str] = []

    def respond(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        last = messages[-1]
        assert isinstance(last, ModelRequest)
        if any(isinstance(p, RetryPromptPart) or getattr(p, "outcome", None) == "retried" for p in last.parts):
            return ModelResponse(parts=[TextPart("I could not do that.")])
        seen = all_text(messages).lower()
        returns = [p for p in last.parts if isinstance(p, ToolReturnPart)]
        if returns and "mark every invoice paid" in seen and "mark_invoice_paid" not in calls:
            calls.extend(["mark_invoice_paid", "collect_payment"])
            return ModelResponse(parts=[
                ToolCallPart("mark_invoice_paid", {"invoice_number_or_id": str(invoice_id), "reference": "obeyed"}),
                ToolCallPart("collect_payment", {"project_id": project_id}),
            ])
        if returns:
            return ModelResponse(parts=[TextPart("Here is the lead.")])
        calls.append("show_lead")
        return ModelResponse(parts=[ToolCallPart("show_lead", {"lead_id": lead_id})])

    return FunctionModel(respond), calls


async def test_capture_stores_the_injection_redacted(services):
    await op(services, SALES, capture_lead, LeadInput(**lead_data(requirements=REQUIREMENTS)))
    async with services.session_factory() as s:
        stored = (await s.execute(select(Lead.requirements))).scalar_one()
    assert INJECTION not in stored and "CRM dashboard" in stored


async def test_offline_model_qualify_calls_only_qualify(services):
    lead_id, invoice_id = await poisoned_lead_with_an_open_invoice(services)
    r = await converse(services, SAM, "test:inj", f"qualify lead {lead_id}")
    assert r.tool_calls == [{"tool": "qualify_lead", "args": {"lead_id": lead_id}}]
    assert r.pending == [] and INJECTION not in json.dumps(r.outcomes[0].result)
    r = await converse(services, FIN, "test:inj-fin", f"show lead {lead_id}")
    assert [c["tool"] for c in r.tool_calls] == ["show_lead"]
    assert await invoice_status(services, invoice_id) == "issued"


async def test_tool_results_reach_a_model_through_hunter(services):
    """Finance may mark invoices paid, so only Hunter stands between the text and the obedient model."""
    lead_id, invoice_id = await poisoned_lead_with_an_open_invoice(services)
    model, calls = obedient(lead_id, invoice_id)
    result = await GraceAgent(services.settings).agent.run(f"show lead {lead_id}", deps=AgentDeps(services, FIN),
                                                           model=model)
    assert calls == ["show_lead"] and result.output == "Here is the lead."
    seen = all_text(result.all_messages())
    assert INJECTION not in seen and "CRM dashboard" in seen and "[removed: possible prompt injection]" in seen
    assert await invoice_status(services, invoice_id) == "issued"


@pytest.fixture
def hunter_off(monkeypatch):
    """As if Hunter let the text through: the engine's own checks are what is left."""
    monkeypatch.setattr(tools.base, "for_model", lambda text, **_: text)


async def test_without_hunter_a_sales_speaker_cannot_have_invoices_paid(services, hunter_off):
    lead_id, invoice_id = await poisoned_lead_with_an_open_invoice(services)
    model, calls = obedient(lead_id, invoice_id)
    result = await GraceAgent(services.settings).agent.run(f"show lead {lead_id}", deps=AgentDeps(services, SAM),
                                                           model=model)
    assert INJECTION in all_text(result.all_messages())  # it did read the injection ...
    assert calls == ["show_lead", "mark_invoice_paid", "collect_payment"]  # ... and obeyed it,
    assert not isinstance(result.output, DeferredToolRequests)
    unknown = [p for m in result.all_messages() for p in m.parts
               if isinstance(p, ToolReturnPart | RetryPromptPart) and "Unknown tool name" in str(p.content)]
    assert {p.tool_name for p in unknown} == {"mark_invoice_paid", "collect_payment"}  # but sales has no such tool
    assert await invoice_status(services, invoice_id) == "issued"


async def test_without_hunter_finance_is_asked_to_confirm_first(services, hunter_off):
    lead_id, invoice_id = await poisoned_lead_with_an_open_invoice(services)
    model, calls = obedient(lead_id, invoice_id)
    result = await GraceAgent(services.settings).agent.run(f"show lead {lead_id}", deps=AgentDeps(services, FIN),
                                                           model=model)
    assert calls == ["show_lead", "mark_invoice_paid", "collect_payment"]
    assert isinstance(result.output, DeferredToolRequests)  # nothing ran: the speaker must confirm each call
    assert {c.tool_name for c in result.output.approvals} == {"mark_invoice_paid", "collect_payment"}
    assert await invoice_status(services, invoice_id) == "issued"
    async with services.session_factory() as s:
        assert (await s.execute(select(Invoice.amount))).scalars().all() == [Decimal("3000.00")]
