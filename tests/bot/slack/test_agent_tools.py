"""The new tools through Slack: `/grace upwork <post>`, finance invoicing and marking an invoice paid
with the Confirm button, and how their results look."""

from __future__ import annotations

from sqlalchemy import select

from engine.billing.invoices import collect_payment
from engine.team import add_team_member
from storage.models import Invoice, Lead
from tests.conftest import ADMIN, op
from tests.helpers.billing import make_project
from tests.helpers.slack import VIEWER_USER, buttons, mention, next_ts, wait_replies

FIN_USER = "U0FINANCE"
POST = """Shopify store migration
Budget: $1,500 fixed
Skills: Shopify, Liquid, JavaScript
Client country: Canada
Description: Move our WooCommerce store to Shopify before the holidays."""


async def answer(fake_slack, start: str):
    """The command's answer (the new-lead card the intake posts to the leads channel is another message)."""
    for n in range(1, 20):
        posts = await fake_slack.wait_for("chat.postMessage", n)
        found = [p for p in posts if p.params.get("text", "").startswith(start)]
        if found:
            return found[-1]
    raise AssertionError(f"no answer starting with {start!r}: {fake_slack.texts()}")


async def test_grace_upwork_captures_the_pasted_post_once(slack, slack_services, fake_slack):
    await slack.command("upwork " + POST)
    post = await answer(fake_slack, "Captured Upwork lead #")
    assert "USD 1500.00" in str(post.params["blocks"])  # the lead card
    async with slack_services.session_factory() as s:
        lead = (await s.execute(select(Lead))).scalar_one()
    assert lead.source == "upwork" and "WooCommerce" in lead.requirements
    await slack.command("upwork " + POST)
    await answer(fake_slack, f"That Upwork post is already lead #{lead.id}")
    await slack.command("upwork")
    await answer(fake_slack, "Paste the job post")


async def test_a_viewer_cannot_capture_an_upwork_post(slack, slack_services, fake_slack):
    await slack.command("upwork " + POST, user=VIEWER_USER)
    await answer(fake_slack, "Sorry")
    async with slack_services.session_factory() as s:
        assert (await s.execute(select(Lead))).first() is None


async def test_the_agent_understands_a_new_upwork_lead(slack, slack_services, fake_slack):
    root = next_ts()
    await slack.event(mention("new upwork lead:\n" + POST, ts=root))
    [reply] = await wait_replies(fake_slack, root)
    assert reply.params["text"].startswith("Captured Upwork lead #"), reply.params["text"]
    async with slack_services.session_factory() as s:
        assert (await s.execute(select(Lead.source))).scalar_one() == "upwork"


async def _finance_and_an_invoice(slack_services) -> Invoice:
    await op(slack_services, ADMIN, add_team_member, FIN_USER, "Fin Ance", "finance")
    project = await make_project(slack_services, price="2000.00")
    result = await op(slack_services, ADMIN, collect_payment, project.id)
    async with slack_services.session_factory() as s:
        return await s.get(Invoice, result.invoice_id)


async def test_finance_marks_an_invoice_paid_after_confirming(slack, slack_services, fake_slack):
    invoice = await _finance_and_an_invoice(slack_services)
    root = next_ts()
    await slack.event(mention(f"mark invoice {invoice.invoice_number} paid, reference ABC-42", user=FIN_USER, ts=root))
    [ask] = await wait_replies(fake_slack, root)
    assert ask.params["text"] == f"Mark invoice {invoice.invoice_number} as paid (reference ABC-42)?"
    async with slack_services.session_factory() as s:
        assert (await s.get(Invoice, invoice.id)).status == "issued"
    await slack.click(buttons(ask)["Confirm"], FIN_USER, "C0LEADS", "1700000000.111111", root, ask.params["blocks"])
    done = (await wait_replies(fake_slack, root, 2))[1]
    assert "marked paid" in done.params["text"] and "ABC-42" in str(done.params["blocks"])
    async with slack_services.session_factory() as s:
        paid = await s.get(Invoice, invoice.id)
    assert paid.status == "paid" and paid.transaction_id == "ABC-42"


async def test_an_invoice_shows_its_payment_link(slack, slack_services, fake_slack):
    invoice = await _finance_and_an_invoice(slack_services)
    root = next_ts()
    await slack.event(mention(f"invoice project {invoice.project_id}", user=FIN_USER, ts=root))
    [ask] = await wait_replies(fake_slack, root)
    await slack.click(buttons(ask)["Confirm"], FIN_USER, "C0LEADS", "1700000000.222222", root, ask.params["blocks"])
    done = (await wait_replies(fake_slack, root, 2))[1]
    assert "Already invoiced" in done.params["text"]  # the balance was invoiced above: the same invoice
    link = next(e for b in done.params["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert link["text"]["text"] == "Payment link" and "/pay/" in link["url"]
