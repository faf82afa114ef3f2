"""The offline parser on the phrasings of the scoring, proposal, delivery, billing, NPS and Upwork tools
(one test per family; the rules live in tools/offline/rules.py)."""

from __future__ import annotations

import pytest

from engine.actors import Role
from engine.governance.policies import Policies
from tools.agent import tool_specs
from tools.offline import rules
from tools.offline.model import answer
from tools.offline.parser import parse
from tools.offline.replies import confirm_question, summarise


def call(text: str, lead: int | None = None, project: int | None = None, raw: str | None = None):
    p = parse(text, lead, project, raw=raw)
    assert p.kind == "call", (text, p.kind, p.missing)
    return p.intent.tool, p.args


@pytest.mark.parametrize("text,tool,args", [
    ("qualify it", "qualify_lead", {"lead_id": 5}),
    ("score this one", "qualify_lead", {"lead_id": 5}),
    ("is it any good?", "qualify_lead", {"lead_id": 5}),
    ("what are the odds it closes?", "predict_close", {"lead_id": 5}),
    ("will it close?", "predict_close", {"lead_id": 5}),
    ("what's the next step for it?", "suggest_next_action", {"lead_id": 5}),
    ("send the proposal for it", "generate_proposal", {"lead_id": 5}),
    ("draft a quote for them, budget $15k", "generate_proposal", {"lead_id": 5, "budget": "$15k"}),
])
def test_lead_pronouns_for_scoring_and_proposals(text, tool, args):
    assert call(text, lead=5, project=9) == (tool, args)


@pytest.mark.parametrize("text,tool", [
    ("deliver project 3", "deliver_project"), ("ship project #3", "deliver_project"),
    ("start the build for project 3", "deliver_project"),
    ("invoice project #3", "collect_payment"), ("bill #3", "collect_payment"),
    ("request payment for project 3", "collect_payment"),
    ("send the NPS survey for project 3", "send_nps_survey"), ("ask for feedback on project 3", "send_nps_survey"),
    ("how happy is the client of project 3", "get_satisfaction"), ("is project 3's client satisfied?", "get_satisfaction"),
    ("nps results for project 3", "get_satisfaction"),
])
def test_project_tools_by_id(text, tool):
    assert call(text) == (tool, {"project_id": 3})


@pytest.mark.parametrize("text,tool", [
    ("deliver it", "deliver_project"), ("invoice it", "collect_payment"),
    ("send them the survey", "send_nps_survey"), ("how happy are they?", "get_satisfaction"),
])
def test_project_pronouns(text, tool):
    assert call(text, lead=5, project=9) == (tool, {"project_id": 9})


def test_a_milestone_invoice():
    assert call("invoice milestone 2 of project 3") == ("collect_payment", {"project_id": 3, "milestone": 2})
    assert call("bill project 3, milestone #1") == ("collect_payment", {"project_id": 3, "milestone": 1})


@pytest.mark.parametrize("text,args", [
    ("mark invoice INV-20260105-ABC234 paid, reference ABC", {"invoice_number_or_id": "INV-20260105-ABC234",
                                                              "reference": "ABC"}),
    ("invoice inv-20260105-abc234 was paid, ref: TRX/2026/991", {"invoice_number_or_id": "INV-20260105-ABC234",
                                                                 "reference": "TRX/2026/991"}),
    ("invoice #12 is paid, transaction id 77A-1", {"invoice_number_or_id": "12", "reference": "77A-1"}),
    ("payment received for invoice 12, reference SEPA-1", {"invoice_number_or_id": "12", "reference": "SEPA-1"}),
])
def test_mark_an_invoice_paid(text, args):
    assert call(text) == ("mark_invoice_paid", args)


def test_mark_paid_without_a_reference_asks_for_it():
    p = parse("mark invoice INV-20260105-ABC234 paid")
    assert p.kind == "missing" and p.missing == ["reference"]
    reply = answer(p, Role.FINANCE, {"mark_invoice_paid"}, Policies()).parts[0].content
    assert "reference" in reply and "For example" in reply


POST = """Senior React Developer for Logistics Dashboard
We are a logistics startup looking for a senior React developer.
$30.00-$60.00
Hourly
Germany"""


@pytest.mark.parametrize("prefix", ["new upwork lead: ", "Upwork: ", "upwork job:\n", "capture this upwork post: "])
def test_a_pasted_upwork_post_keeps_its_lines(prefix):
    raw = prefix + POST
    tool, args = call(" ".join(raw.split()), raw=raw)
    assert tool == "capture_upwork_post" and args == {"text": POST}


def test_an_upwork_trigger_with_nothing_pasted_asks_for_the_post():
    p = parse("new upwork lead:")
    assert p.kind == "missing" and p.missing == ["text"]


def test_a_lead_that_came_through_upwork_is_still_a_plain_capture():
    tool, args = call("new lead: Alan Turing alan@example.com via Upwork")
    assert tool == "capture_lead" and args["source"] == "upwork"


def test_confirm_questions_and_replies_of_the_new_tools():
    assert confirm_question("mark_invoice_paid", {"invoice_number_or_id": "INV-1", "reference": "R"}) == \
        "Mark invoice INV-1 as paid (reference R)?"
    assert "vote #4 is open" in summarise("deliver_project", {"project_id": 3, "status": "awaiting_approval",
                                                             "vote_id": 4})
    assert "Already invoiced" in summarise("collect_payment", {"project_id": 3, "invoice_number": "INV-1",
                                                               "amount": "10.00", "currency": "USD",
                                                               "already_existed": True, "payment_link": "http://x"})
    assert "no answer yet" in summarise("get_satisfaction", {"project_id": 3, "nps_score": None,
                                                            "survey_status": "open", "recommendations": []})
    assert "already lead #4" in summarise("capture_upwork_post", {"lead_id": 4, "client_name": "Upwork client",
                                                                 "stage": "LEAD", "created_lead": False,
                                                                 "duplicate": True})


def test_every_registered_tool_has_a_rule_and_a_reply():
    tools_with_rules = {i.tool for i in rules.INTENTS}
    for spec in tool_specs():
        assert spec.name in tools_with_rules, spec.name
        assert spec.name in rules.REPLIES, spec.name
        intent = next(i for i in rules.INTENTS if i.tool == spec.name)
        assert intent.action == spec.action, spec.name
        if spec.confirm:
            assert spec.name in rules.CONFIRMS, spec.name
