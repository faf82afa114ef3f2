"""Block Kit for the results of the new tools: the lead card after qualify, the proposal summary,
an invoice with its payment link, the survey link, satisfaction, and client text escaped."""

from __future__ import annotations

from bot.slack.blocks.results import outcome_blocks
from tests.helpers.results import PROPOSAL, QUALIFIED
from tools.conversation import ToolOutcome


def render(tool: str, result: dict) -> str:
    return str(outcome_blocks(ToolOutcome(tool, {}, result, True)))


def test_qualify_shows_the_lead_card_with_score_stage_and_factors():
    out = render("qualify_lead", QUALIFIED)
    for expected in ("Lead #3", "76/100", "QUALIFIED", "source referral: +20 (+20)", "budget 4,000 USD (-6)",
                     "book a discovery call"):
        assert expected in out, expected
    assert "<script>" not in out and "&lt;script&gt; &amp; a chatbot" in out


def test_proposal_uses_the_proposal_summary():
    out = outcome_blocks(ToolOutcome("generate_proposal", {}, PROPOSAL, True))
    assert out[0]["type"] == "header" and "Proposal #1 · version 2" in out[0]["text"]["text"]
    assert "USD 3,000.00" in str(out) and any(e.get("url") == "http://grace.test/p/tok"
                                              for b in out if b["type"] == "actions" for e in b["elements"])


def test_invoice_has_its_payment_link_and_survey_its_link():
    inv = render("collect_payment", {"project_id": 1, "invoice_number": "INV-1", "amount": "10.00",
                                     "currency": "USD", "status": "issued", "due_at": "2026-12-12T00:00:00Z",
                                     "payment_link": "http://grace.test/pay/x"})
    assert "Invoice INV-1" in inv and "'url': 'http://grace.test/pay/x'" in inv and "2026-12-12" in inv
    survey = render("send_nps_survey", {"project_id": 1, "link": "http://grace.test/nps/y",
                                        "expires_at": "2026-12-30T00:00:00Z"})
    assert "'url': 'http://grace.test/nps/y'" in survey and "NPS survey" in survey


def test_satisfaction_escapes_the_clients_comment():
    out = render("get_satisfaction", {"project_id": 1, "nps_score": 9, "category": "promoter",
                                      "comment": "<@U123> great & fast", "survey_status": "answered",
                                      "agency_nps": 50.0, "agency_responses": 4, "recommendations": ["Ask for a referral"]})
    assert "&lt;@U123&gt; great &amp; fast" in out and "<@U123>" not in out and "Ask for a referral" in out


def test_delivery_prediction_next_action_and_paid():
    assert "vote #4 is open" in render("deliver_project", {"project_id": 1, "status": "awaiting_approval", "vote_id": 4})
    assert "76%" in render("predict_close", {"lead_id": 3, "probability": 0.76, "days_to_close": 30,
                                             "confidence_label": "low", "top_factors": QUALIFIED["top_factors"]})
    assert "Send the proposal" in render("suggest_next_action", {"lead_id": 3, "action": "Send the proposal",
                                                                 "due_at": "2026-12-01T00:00:00Z", "reason": "qualified"})
    assert "is paid" in render("mark_invoice_paid", {"invoice_number": "INV-1", "transaction_id": "ABC",
                                                     "amount": "10.00", "currency": "USD", "paid_at": "2026-12-01"})
