"""The terminal rendering of the new tools' results."""

from __future__ import annotations

from rich.console import Console

from bot.cli.render import render_reply
from tests.helpers.results import PROPOSAL, QUALIFIED
from tools.conversation import ChatReply, ToolOutcome


def rendered(tool: str, result: dict) -> str:
    console = Console(record=True, width=140)
    render_reply(console, ChatReply("ok", [ToolOutcome(tool, {}, result, True)]))
    return console.export_text()


def test_qualify_proposal_invoice_and_satisfaction_render_as_tables():
    out = rendered("qualify_lead", QUALIFIED)
    assert "Ada Lovelace" in out and "76" in out and "source referral: +20" in out
    out = rendered("generate_proposal", PROPOSAL)
    assert "Proposal #1 v2" in out and "Discovery" in out and "http://grace.test/p/tok" in out
    out = rendered("collect_payment", {"project_id": 1, "invoice_number": "INV-1", "amount": "10.00",
                                       "currency": "USD", "status": "issued", "payment_link": "http://grace.test/pay/x"})
    assert "INV-1" in out and "http://grace.test/pay/x" in out
    out = rendered("get_satisfaction", {"project_id": 1, "nps_score": 9, "category": "promoter",
                                        "recommendations": ["Ask for a referral"]})
    assert "promoter" in out and "Ask for a referral" in out


def test_peoples_words_are_printed_as_written_not_read_as_markup():
    lead = {**QUALIFIED, "client_name": "[/b] Ada [bold]Lovelace", "company": "[link=x]Acme"}
    console = Console(record=True, width=140)
    render_reply(console, ChatReply("Lost: [/oops] no budget", [ToolOutcome("qualify_lead", {}, lead, True)]))
    out = console.export_text()
    assert "[/b] Ada [bold]Lovelace" in out and "[link=x]Acme" in out and "Lost: [/oops] no budget" in out


def test_control_characters_in_peoples_words_are_shown_as_escapes_not_sent_to_the_terminal():
    lead = {**QUALIFIED, "client_name": "Ada\x1b[2J\x1b]8;;http://evil\x07 Lovelace", "company": "Acme\x9b31m"}
    console = Console(record=True, width=140)
    render_reply(console, ChatReply("Noted\x1b[31m: \u202eevil", [ToolOutcome("qualify_lead", {}, lead, True)]))
    out = console.export_text()
    assert "Ada\\x1b[2J\\x1b]8;;http://evil\\x07 Lovelace" in out and "Acme\\x9b31m" in out
    assert "Noted\\x1b[31m: \\u202eevil" in out
    assert not any(c in out for c in "\x1b\x07\x9b\u202e")
