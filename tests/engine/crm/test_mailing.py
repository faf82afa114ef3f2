"""Proposals and manual invoices reach the client by e-mail (the NPS surveys' SMTP path) with their
signed links, each recorded as an interaction Grace generated and the person who asked approved."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.billing.invoices import collect_payment
from engine.context import Services
from engine.pipeline.capture import capture_lead
from engine.pipeline.schemas import LeadInput
from engine.proposals.acceptance import accept_proposal
from engine.proposals.service import generate_proposal
from storage.models import AuditEntry, Interaction
from tests.conftest import ADMIN, SALES, lead_data, op
from tests.helpers.facts import CLIENT


def _smtp(services: Services, sink: Any) -> None:
    services.settings.smtp_host = sink.host
    services.settings.smtp_port = sink.port
    services.settings.smtp_starttls = False
    services.settings.smtp_from = "hello@agency.test"


async def test_a_proposal_and_its_manual_invoice_are_emailed_and_recorded(services: Services, smtp_sink: Any) -> None:
    _smtp(services, smtp_sink)
    cap = await op(services, SALES, capture_lead, LeadInput(**lead_data(email="ada@client-example.com", budget="100000")))
    res = await op(services, SALES, generate_proposal, cap.lead_id)
    assert res.proposal.emailed_to == "ada@client-example.com"
    [msg] = smtp_sink.messages
    assert msg["To"] == "ada@client-example.com" and msg["Subject"].startswith("Our proposal")
    assert res.proposal.link in msg.get_body(("plain",)).get_content()
    assert f'href="{res.proposal.link}"' in msg.get_body(("html",)).get_content()

    await op(services, CLIENT, accept_proposal, res.proposal.link.rsplit("/", 1)[1], "Ada Client")  # invoiced once signed
    paid = await op(services, ADMIN, collect_payment, res.project_plan.project_id, 1)
    assert paid.emailed_to == "ada@client-example.com" and paid.payment_link
    assert len(smtp_sink.messages) == 2 and paid.invoice_number in smtp_sink.messages[1]["Subject"]
    assert paid.payment_link in smtp_sink.messages[1].get_body(("plain",)).get_content()

    async with services.session_factory() as s:
        emails = (await s.execute(select(Interaction).where(Interaction.kind == "email")
                                  .order_by(Interaction.id))).scalars().all()
        audited = (await s.execute(select(AuditEntry.details).where(AuditEntry.action == "client.emailed")
                                   .order_by(AuditEntry.seq))).scalars().all()
    assert [(e.grace_generated, e.automated, e.human_approved, e.approved_by) for e in emails] == [
        (True, False, True, "test:sales"), (True, False, True, "test:admin")]
    assert [e.metadata_["emailed"] for e in emails] == [True, True]
    assert emails[0].lead_id == cap.lead_id and emails[1].project_id == res.project_plan.project_id
    assert [a["document"] for a in audited] == ["Proposal v1", f"Invoice {paid.invoice_number}"]


async def test_without_smtp_nothing_is_emailed_nor_recorded(services: Services) -> None:
    cap = await op(services, SALES, capture_lead, LeadInput(**lead_data()))
    res = await op(services, SALES, generate_proposal, cap.lead_id)
    await op(services, CLIENT, accept_proposal, res.proposal.link.rsplit("/", 1)[1], "Ada Client")
    paid = await op(services, ADMIN, collect_payment, res.project_plan.project_id, 1)
    assert res.proposal.emailed_to is None and paid.emailed_to is None
    async with services.session_factory() as s:
        assert (await s.execute(select(Interaction).where(Interaction.kind == "email"))).first() is None
