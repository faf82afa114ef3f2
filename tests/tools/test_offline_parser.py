"""The offline parser, one test per phrasing family (rules in tools/offline/rules.py)."""

from __future__ import annotations

import pytest

from engine.actors import Role
from engine.governance.policies import Policies
from tools.offline import rules
from tools.offline.model import answer
from tools.offline.parser import parse

SHIPPED = Policies()


def call(text: str, lead: int | None = None, project: int | None = None) -> tuple[str | None, dict]:
    p = parse(text, lead, project)
    assert p.kind == "call", (text, p.kind, p.missing)
    return (p.intent.tool if p.intent else None), p.args


@pytest.mark.parametrize("text,tool", [
    ("qualify lead 12", "qualify_lead"), ("score lead 12", "qualify_lead"), ("rate lead 12 please", "qualify_lead"),
    ("can you assess lead 12", "qualify_lead"), ("evaluate #12", "qualify_lead"),
    ("what are the odds lead 12 closes?", "predict_close"), ("predict lead 12", "predict_close"),
    ("how likely is lead 12 to sign", "predict_close"),
    ("next step for lead 12?", "suggest_next_action"), ("what should we do with lead 12", "suggest_next_action"),
    ("draft a proposal for lead 12", "generate_proposal"), ("write a quote for lead 12", "generate_proposal"),
    ("deliver project 7", "deliver_project"), ("kick off the build for project 7", "deliver_project"),
    ("invoice project 7", "collect_payment"), ("bill project 7", "collect_payment"),
    ("collect payment for project 7", "collect_payment"),
    ("send the NPS survey for project 7", "send_nps_survey"), ("survey project 7", "send_nps_survey"),
    ("how satisfied is project 7's client", "get_satisfaction"), ("nps score for project 7", "get_satisfaction"),
    ("how's the pipeline?", "pipeline_metrics"), ("show me the funnel", "pipeline_metrics"),
    ("what is our win rate", "pipeline_metrics"), ("anything stuck?", "pipeline_metrics"),
    ("revenue", "revenue_stats"), ("how much have we made", "revenue_stats"), ("what's outstanding", "revenue_stats"),
    ("show me lead 4", "show_lead"), ("what's the status of lead 4", "show_lead"), ("lead 4?", "show_lead"),
    ("tell me about #4", "show_lead"),
    ("find Ada", "find_leads"), ("search leads from upwork", "find_leads"), ("who is in negotiation?", "find_leads"),
    ("move lead 12 to proposal", "move_lead_stage"), ("advance #12 to negotiation", "move_lead_stage"),
    ("lead 12 is now signed", "move_lead_stage"), ("lead 12 signed the contract", "move_lead_stage"),
    ("mark lead 12 lost: budget cut", "mark_lead_lost"), ("lead 12 went cold", "mark_lead_lost"),
    ("lead 12 went with another agency", "mark_lead_lost"), ("#12 is dead, no budget", "mark_lead_lost"),
])
def test_synonyms_of_each_operation(text, tool):
    assert call(text)[0] == tool


@pytest.mark.parametrize("text", ["qualify lead 12", "qualify #12", "qualify lead #12", "qualify Lead No. 12",
                                  "qualify lead number 12"])
def test_lead_ids(text):
    assert call(text)[1] == {"lead_id": 12}


def test_project_ids_and_bare_hash_for_project_tools():
    assert call("invoice project #7")[1] == {"project_id": 7}
    assert call("invoice #7")[1] == {"project_id": 7}


@pytest.mark.parametrize("written", ["$12k", "12,000", "USD 12000", "12k", "12000 USD", "$12,000"])
def test_amounts(written):
    _, args = call(f"new lead Ada Lovelace ada@example.com, budget {written}")
    assert args["budget"] == written


def test_plain_number_after_budget():
    assert call("new lead Ada Lovelace ada@example.com budget 15000")[1]["budget"] == "15000"


def test_ids_are_not_amounts():
    p = parse("new lead Ada Lovelace ada@example.com about lead 12000")
    assert "budget" not in p.args


@pytest.mark.parametrize("text", [
    "new lead: Ada Lovelace ada@example.com from Acme Ltd",
    "ada@example.com is the e-mail of Ada Lovelace at Acme Ltd, new lead",
    "Acme Ltd sent us a new lead, Ada Lovelace (ada@example.com)",
    "Met Ada Lovelace today at Acme Ltd: ada@example.com",
])
def test_names_companies_and_emails_anywhere(text):
    _, args = call(text)
    assert (args["name"], args["email"], args["company"]) == ("Ada Lovelace", "ada@example.com", "Acme Ltd")


@pytest.mark.parametrize("phrase,source", [
    ("came through LinkedIn", "linkedin"), ("a referral from Tom", "referral"), ("referred by Jane Doe", "referral"),
    ("via the website form", "website"), ("filled in our contact form", "website"), ("cold email reply", "cold_email"),
    ("found us on Upwork", "upwork"), ("", "slack"),
])
def test_sources_in_plain_words(phrase, source):
    _, args = call(f"new lead Ada Lovelace ada@example.com {phrase}")
    assert args["source"] == source
    assert args["name"] == "Ada Lovelace"


def test_an_email_domain_is_not_a_source():
    assert call("new lead Ada Lovelace ada@linkedin.com")[1]["source"] == "slack"


@pytest.mark.parametrize("word,stage", [("qualified", "QUALIFIED"), ("proposal", "PROPOSAL"),
                                        ("negotiation", "NEGOTIATION"), ("negotiating", "NEGOTIATION"),
                                        ("contract", "CONTRACT"), ("signed", "CONTRACT"), ("active", "ACTIVE"),
                                        ("delivered", "DELIVERED"), ("paid", "PAID"), ("repeat", "REPEAT")])
def test_stages_by_name(word, stage):
    assert call(f"move lead 3 to {word}")[1] == {"lead_id": 3, "stage": stage}


@pytest.mark.parametrize("text,tool", [("qualify it", "qualify_lead"), ("move it to qualified", "move_lead_stage"),
                                       ("mark this lead lost: no budget", "mark_lead_lost"),
                                       ("what are the odds for that one", "predict_close"),
                                       ("they went cold", "mark_lead_lost")])
def test_pronouns_refer_to_the_last_lead(text, tool):
    t, args = call(text, lead=41, project=9)
    assert t == tool and args["lead_id"] == 41


def test_pronouns_refer_to_the_last_project():
    assert call("invoice it", lead=41, project=9)[1] == {"project_id": 9}


def test_explicit_id_beats_the_pronoun():
    assert call("move it, lead 5, to proposal", lead=41)[1]["lead_id"] == 5


def test_slack_markup_is_read_through():
    _, args = call("<@UGRACEBOT> new lead Ada Lovelace <mailto:ada@example.com|ada@example.com> at Smith &amp; Sons Ltd")
    assert args["email"] == "ada@example.com"
    assert args["company"] == "Smith & Sons Ltd"


@pytest.mark.parametrize("text,missing", [
    ("move it to qualified", ["lead_id"]), ("move lead 4 along", ["stage"]), ("mark lead 4 lost", ["reason"]),
    ("capture a lead", ["name", "email"]), ("new lead ada@example.com", ["name"]), ("invoice it", ["project_id"]),
])
def test_when_unsure_it_says_what_it_needs(text, missing):
    p = parse(text)
    assert p.kind == "missing" and p.missing == missing
    reply = answer(p, Role.ADMIN, {i.tool for i in rules.INTENTS}, SHIPPED).parts[0].content
    assert "I understood" in reply and "For example" in reply and "need" in reply


def test_not_understood_gives_examples():
    p = parse("the weather is lovely")
    assert p.kind == "unknown"
    reply = answer(p, Role.SALES, {"capture_lead", "find_leads", "pipeline_metrics"}, SHIPPED).parts[0].content
    assert "Try for example" in reply


def test_unregistered_tool_is_not_available_yet_and_a_forbidden_one_is_refused():
    offered = {"capture_lead", "find_leads"}
    assert "isn't available yet" in answer(parse("qualify lead 3"), Role.SALES, offered, SHIPPED).parts[0].content
    assert answer(parse("invoice project 3"), Role.VIEWER, offered, SHIPPED).parts[0].content.startswith("Sorry")


def test_help():
    assert parse("help").kind == "help"
    assert parse("  what can you do?").kind == "help"


def test_every_intent_names_a_policy_action():
    from engine.governance.policies import ALLOWED_ROLES

    assert all(i.action in ALLOWED_ROLES for i in rules.INTENTS)
