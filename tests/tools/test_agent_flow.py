"""End to end through the agent (offline model), on both databases: a lead from capture to the NPS survey,
as each team member would say it, with confirmations where money moves or the client is told."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from engine.actors import Actor, Role
from engine.proposals.acceptance import accept_proposal
from storage.models import Invoice, Lead, NpsSurvey, Project
from tests.conftest import op
from tests.helpers.facts import CLIENT
from tools.conversation import converse, decide

SAM = Actor(kind="team_member", ref="U0SAM", role=Role.SALES, name="Sam")
DEE = Actor(kind="team_member", ref="U0DEE", role=Role.DELIVERY, name="Dee")
FIN = Actor(kind="team_member", ref="U0FIN", role=Role.FINANCE, name="Fin")


async def confirmed(services, actor, key, text):
    """Say it, check a confirmation is asked and nothing ran yet, then confirm."""
    asked = await converse(services, actor, key, text)
    assert len(asked.pending) == 1 and asked.outcomes == [], asked.text
    done = await decide(services, actor, key, asked.pending[0].tool_call_id, True)
    assert not done.refused
    return asked.pending[0], done


async def test_capture_qualify_propose_deliver_invoice_pay_survey(services):
    services.settings.parliament_threshold = Decimal("1000000")  # no vote needed: the build starts at once
    key = "test:flow"
    r = await converse(services, SAM, key, "new lead: Ada Lovelace ada@example.com from Acme Ltd, via a referral "
                                           "from Tom, budget $40k, wants a support chatbot, in 2 months")
    lead_id = r.outcomes[0].result["lead_id"]

    r = await converse(services, SAM, key, "qualify it")
    [o] = r.outcomes
    assert (o.tool, o.args) == ("qualify_lead", {"lead_id": lead_id})
    assert o.result["stage"] == "QUALIFIED" and o.result["top_factors"] and "scored" in r.text

    r = await converse(services, SAM, key, "what are the odds it closes?")
    assert r.outcomes[0].tool == "predict_close" and "chance to close" in r.text
    r = await converse(services, SAM, key, "send the proposal for it")
    [o] = r.outcomes
    assert (o.tool, o.args) == ("generate_proposal", {"lead_id": lead_id}) and o.ok, r.text
    project_id = o.result["project_id"]
    assert f"project #{project_id} is planned" in r.text and "/p/" in r.text
    r = await converse(services, SAM, key, "what's the next step for it?")
    assert r.outcomes[0].args == {"lead_id": lead_id} and "Next for lead" in r.text

    r = await converse(services, SAM, key, "move it to negotiation")
    assert r.outcomes[0].result["to_stage"] == "NEGOTIATION", r.text
    # A contract is the client's acceptance, not a word from sales: refused, naming the rule.
    r = await converse(services, SAM, key, f"lead {lead_id} signed the contract")
    assert not r.outcomes[0].ok and "move_to_stage.facts" in r.outcomes[0].result["message"], r.text
    async with services.session_factory() as s:
        assert (await s.get(Lead, lead_id)).stage == "NEGOTIATION"
    token = o.result["proposal"]["link"].rsplit("/", 1)[1]
    await op(services, CLIENT, accept_proposal, token, "Ada Lovelace")  # the client signs on the proposal page
    async with services.session_factory() as s:
        assert (await s.get(Lead, lead_id)).stage == "CONTRACT"

    # Delivery: the project named by the proposal is "it".
    call, done = await confirmed(services, DEE, key, "deliver it")
    assert call.args == {"project_id": project_id}
    assert f"Project #{project_id} is being delivered" in done.text, done.text
    await services.queue.join()

    call, done = await confirmed(services, FIN, key, f"invoice milestone 1 of project #{project_id}")
    assert call.args == {"project_id": project_id, "milestone": 1}
    assert "Payment link: http" in done.text
    async with services.session_factory() as s:
        invoice = (await s.execute(select(Invoice))).scalar_one()
    assert invoice.status == "issued"

    call, done = await confirmed(services, FIN, key, f"mark invoice {invoice.invoice_number} paid, reference ABC-123")
    assert call.args == {"invoice_number_or_id": invoice.invoice_number, "reference": "ABC-123"}
    assert "marked paid" in done.text
    async with services.session_factory() as s:
        paid = await s.get(Invoice, invoice.id)
        project = await s.get(Project, project_id)
        lead = await s.get(Lead, lead_id)
    assert paid.status == "paid" and paid.transaction_id == "ABC-123"

    assert project.status == "delivered"  # the build job ran on the in-process queue
    assert lead.stage == "DELIVERED", lead.stage

    call, done = await confirmed(services, SAM, key, f"send the NPS survey for project {project_id}")
    assert "NPS survey sent" in done.text and "/nps/" in done.text
    async with services.session_factory() as s:
        assert (await s.execute(select(NpsSurvey.status))).scalar_one() == "open"
    r = await converse(services, SAM, key, f"how happy is the client of project {project_id}")
    assert r.outcomes[0].tool == "get_satisfaction" and r.outcomes[0].ok
    assert "survey open" in r.text


async def test_a_viewer_is_refused_and_a_sales_cannot_mark_paid(services):
    key = "test:refusals"
    viewer = Actor(kind="team_member", ref="U0VIC", role=Role.VIEWER, name="Vic")
    r = await converse(services, viewer, key, "qualify lead 1")
    assert r.text.startswith("Sorry") and r.tool_calls == []
    r = await converse(services, SAM, key, "mark invoice INV-20260101-ABCDEF paid, reference X1")
    assert r.text.startswith("Sorry") and "finance" in r.text and r.tool_calls == []
