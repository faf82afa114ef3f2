"""Every condition of policies.yml, enforced where it applies: one table drives the REST API, the
agent's tool and `grace policy check`.

Each row names a rule (`action.condition`), the role that acts, and the context the engine passes
to governance just inside and just outside the condition. The operation runs through the app
`grace serve` builds (REST with a real key) and through the agent's tool; outside it is refused
with the rule named and nothing is written; `grace policy check` gives the same answer for the
same context.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

import httpx
import pytest
from pydantic_ai import RunContext
from pydantic_ai.models.test import TestModel
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli.main import app as cli
from engine.actors import Actor, Role
from engine.context import Services
from engine.governance import rules
from storage.models import Invoice, Lead, Project, VoteSession
from storage.types import utcnow
from tests.conftest import lead_data, make_key
from tests.helpers.billing import make_project as billing_project
from tests.helpers.delivery import make_members
from tests.helpers.delivery import make_project as delivery_project
from tools import billing as billing_tools
from tools import delivery as delivery_tools
from tools import proposals as proposal_tools
from tools.deps import AgentDeps

runner = CliRunner()
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Case:
    rule: str  # action.condition, as refusals name it
    role: str
    inside: dict[str, str]
    outside: dict[str, str]
    outside_needs_vote: bool = False  # require_vote_over: outside means "a vote first", not a refusal

    @property
    def action(self) -> str:
        return self.rule.split(".")[0]

    @property
    def condition(self) -> str:
        return self.rule.split(".")[1]


CASES = [
    Case("collect_payment.max_amount", "finance", {"amount": "250000.00"}, {"amount": "250000.01"}),
    Case("mark_invoice_paid.max_amount", "finance", {"amount": "250000.00"}, {"amount": "250000.01"}),
    Case("generate_proposal.max_discount", "sales", {"discount": "0.15"}, {"discount": "0.1501"}),
    Case("deliver_project.required_stage", "delivery", {"amount": "4000.00", "stage": "CONTRACT"},
         {"amount": "4000.00", "stage": "LOST"}),
    Case("deliver_project.require_vote_over", "delivery", {"amount": "5000.00", "stage": "CONTRACT"},
         {"amount": "5000.01", "stage": "CONTRACT"}, outside_needs_vote=True),
]


def test_the_table_covers_every_condition_in_policies_yml():
    written = {f"{action}.{cond}" for action, rule in rules.shipped().actions.items()
               for cond in rule.conditions.model_dump(exclude_none=True)}
    assert written == {c.rule for c in CASES}


# ---- `grace policy check`: the same answer for the same context --------------------------------

@pytest.mark.parametrize("case", CASES, ids=lambda c: c.rule)
def test_policy_check_agrees(case: Case):
    inside = runner.invoke(cli, ["policy", "check", case.action, "--role", case.role,
                                 "--context", json.dumps(case.inside)])
    assert inside.exit_code == 0, inside.output
    assert "allowed" in inside.output and "after a Parliament vote" not in inside.output
    outside = runner.invoke(cli, ["policy", "check", case.action, "--role", case.role,
                                  "--context", json.dumps(case.outside)])
    assert f"rule: {case.rule}" in outside.output, outside.output
    if case.outside_needs_vote:
        assert outside.exit_code == 0 and "allowed after a Parliament vote" in outside.output
    else:
        assert outside.exit_code == 1 and "denied" in outside.output


# ---- the operations: REST and the agent's tool --------------------------------------------------

@dataclass
class Outcome:
    ok: bool
    rule: str | None  # the rule named in a refusal (or in a vote's note)
    body: dict[str, Any]


def _from_rest(r: httpx.Response) -> Outcome:
    body = r.json()
    if r.status_code == 200:
        return Outcome(True, None, body)
    assert r.status_code == 403, r.text
    assert body["error"] == "policy_denied"
    assert f"(policy {body['details']['rule']})" in body["message"]
    return Outcome(False, body["details"]["rule"], body)


def _from_tool(out: dict[str, Any]) -> Outcome:
    if "error" not in out:
        return Outcome(True, None, out)
    assert out["error"] == "policy_denied", out
    rule = out["message"].rsplit("(policy ", 1)[1].rstrip(").")
    return Outcome(False, rule, out)


def tool_ctx(services: Services, role: str) -> RunContext[AgentDeps]:
    actor = Actor(kind="team_member", ref=f"U0{role.upper()}", role=Role(role), name=role)
    return RunContext(deps=AgentDeps(services, actor), model=TestModel(), usage=None, prompt="x")  # type: ignore[arg-type]


async def count(services: Services, model: Any, *where: Any) -> int:
    async with services.session_factory() as s:
        return int((await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


Act = Callable[[Any, Services, dict[str, str], str], Awaitable[Outcome]]


async def collect(api: httpx.AsyncClient, services: Services, ctx: dict[str, str], via: str) -> Outcome:
    project = await billing_project(services, price=ctx["amount"])
    if via == "rest":
        key = await make_key(services, "finance")
        out = _from_rest(await api.post(f"/api/business/projects/{project.id}/payment", json={},
                                        headers={"Authorization": f"Bearer {key}"}))
    else:
        out = _from_tool(await billing_tools.collect_payment(tool_ctx(services, "finance"), project.id))
    written = await count(services, Invoice, Invoice.project_id == project.id)
    assert written == (1 if out.ok else 0)
    if out.ok:
        assert Decimal(out.body["amount"]) == Decimal(ctx["amount"])
    return out


async def mark_paid(api: httpx.AsyncClient, services: Services, ctx: dict[str, str], via: str) -> Outcome:
    project = await billing_project(services, price=ctx["amount"])
    now = utcnow()
    async with services.session_factory() as s:
        invoice = Invoice(project_id=project.id, client_id=project.client_id, amount=Decimal(ctx["amount"]),
                          currency="USD", status="issued", payment_method="bank_transfer",
                          invoice_number=f"INV-T-{uuid.uuid4().hex[:8].upper()}", issued_at=now, due_at=now,
                          idempotency_key=f"t:{uuid.uuid4().hex}", metadata_={})
        s.add(invoice)
        await s.commit()
        invoice_id = invoice.id
    if via == "rest":
        key = await make_key(services, "finance")
        out = _from_rest(await api.post(f"/api/business/invoices/{invoice_id}/mark-paid", json={"reference": "BANK-1"},
                                        headers={"Authorization": f"Bearer {key}"}))
    else:
        out = _from_tool(await billing_tools.mark_invoice_paid(tool_ctx(services, "finance"), str(invoice_id),
                                                               "BANK-1"))
    async with services.session_factory() as s:
        assert (await s.get(Invoice, invoice_id)).status == ("paid" if out.ok else "issued")
    return out


async def propose(api: httpx.AsyncClient, services: Services, ctx: dict[str, str], via: str) -> Outcome:
    # The cap in settings lets pricing give more than the policy allows: the policy is what refuses.
    services.settings.max_discount = Decimal("0.30")
    r = await api.post("/api/business/leads", json=lead_data(requirements="A support chatbot for our shop"))
    lead_id = r.json()["lead_id"]
    probe_r = await api.post("/api/business/proposals/generate", json={"lead_id": lead_id, "budget": "9000000"})
    assert probe_r.status_code == 200, probe_r.text
    probe = probe_r.json()["proposal"]
    # Under the budget pricing drops every optional deliverable first, then discounts the core ones.
    subtotal = sum(Decimal(d["amount"]) for d in probe["deliverables"] if not d["optional"])
    share = Decimal(ctx["discount"])
    discount = (subtotal * share).quantize(CENT, rounding=ROUND_DOWN)
    if discount / subtotal < share:  # just outside: one cent over the share
        discount += CENT
    budget = str(subtotal - discount)
    before = await count(services, Project)
    if via == "rest":
        key = await make_key(services, "sales")
        out = _from_rest(await api.post("/api/business/proposals/generate", json={"lead_id": lead_id, "budget": budget},
                                        headers={"Authorization": f"Bearer {key}"}))
        proposal = out.body.get("proposal")
    else:
        out = _from_tool(await proposal_tools.generate_proposal(tool_ctx(services, "sales"), lead_id, budget=budget))
        proposal = out.body.get("proposal")
    if out.ok:
        assert proposal["version"] == 2 and Decimal(proposal["discount"]) == discount
        assert Decimal(proposal["subtotal"]) == subtotal
        got = Decimal(proposal["discount"]) / Decimal(proposal["subtotal"])
        assert (got <= Decimal("0.15")) == (share <= Decimal("0.15"))
    from storage.models import Proposal
    assert await count(services, Proposal, Proposal.lead_id == lead_id) == (2 if out.ok else 1)
    assert await count(services, Project) == before
    return out


async def deliver(api: httpx.AsyncClient, services: Services, ctx: dict[str, str], via: str) -> Outcome:
    await make_members(services, "approver", 3, prefix=f"UA{uuid.uuid4().hex[:4].upper()}")
    project_id = await delivery_project(services, price=ctx["amount"], lead_stage=ctx["stage"])
    if via == "rest":
        key = await make_key(services, "delivery")
        out = _from_rest(await api.post("/api/business/projects/deliver", json={"project_id": project_id},
                                        headers={"Authorization": f"Bearer {key}"}))
    else:
        out = _from_tool(await delivery_tools.deliver_project(tool_ctx(services, "delivery"), project_id))
    async with services.session_factory() as s:
        project = await s.get(Project, project_id)
        lead = await s.get(Lead, project.lead_id)
        votes = (await s.execute(select(func.count()).select_from(VoteSession).where(
            VoteSession.subject_id == project_id))).scalar_one()
    if not out.ok:
        assert (project.status, lead.stage, votes) == ("proposed", ctx["stage"], 0)
    elif out.body["status"] == "awaiting_approval":
        assert (project.status, lead.stage, votes) == ("awaiting_approval", ctx["stage"], 1)
        out.rule = out.body["note"].rsplit("(policy ", 1)[1].rstrip(").")
    else:  # the build may already have run in-process
        assert (project.status, lead.stage, votes) in {("in_progress", "ACTIVE", 0), ("delivered", "DELIVERED", 0)}
    return out


ACTS: dict[str, Act] = {"collect_payment": collect, "mark_invoice_paid": mark_paid,
                        "generate_proposal": propose, "deliver_project": deliver}


@pytest.mark.parametrize("via", ["rest", "tool"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.rule)
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_just_inside_passes_just_outside_is_refused_naming_the_rule(api, services, case: Case, via: str):
    act = ACTS[case.action]
    inside = await act(api, services, case.inside, via)
    assert inside.ok and inside.rule is None, inside.body
    if case.action == "deliver_project":
        assert inside.body["status"] == "in_progress"
    outside = await act(api, services, case.outside, via)
    assert outside.rule == case.rule, outside.body
    if case.outside_needs_vote:
        assert outside.ok and outside.body["status"] == "awaiting_approval"
    else:
        assert not outside.ok


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_over_the_limit_on_postgres_too(api, services):
    out = await collect(api, services, {"amount": "250000.01"}, "rest")
    assert out.rule == "collect_payment.max_amount"
