"""The everyday CRM tools through the offline model: lists, exchange rates, a client's timeline, logging an
interaction, owners and edits, each in several phrasings (none of them in the corpus verbatim) answered with
the right tool and key arguments; what it cannot know it asks for, and it never acts on a guess; and the
whole way through the agent (the tools run, a rate waits for its confirmation)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.actors import Actor, Role
from engine.context import Services
from engine.governance.policies import Policies
from storage.models import Interaction
from tests.helpers.delivery import make_members
from tools.conversation import converse
from tools.offline import rules as R
from tools.offline.model import answer
from tools.offline.parser import parse

SAM = Actor(kind="team_member", ref="U0SAM", role=Role.SALES, name="Sam")
FIONA = Actor(kind="team_member", ref="U0FIONA", role=Role.FINANCE, name="Fiona")


def call(text: str) -> tuple[str | None, dict]:
    p = parse(text, raw=text)
    assert p.kind == "call", (text, p.kind, p.missing, [(r.tool, round(r.probability, 2)) for r in p.readings])
    assert p.intent is not None
    return p.intent.tool, p.args


LISTS = [
    ("show me every invoice", "list_invoices"), ("which invoices are overdue right now?", "list_invoices"),
    ("invoice list pls", "list_invoices"), ("any unpaid invoices out there", "list_invoices"),
    ("what projects are we running", "list_projects"), ("list our projects", "list_projects"),
    ("projects in progress pls", "list_projects"),
    ("what exchange rates are set?", "list_fx_rates"), ("show the fx rates", "list_fx_rates"),
    ("which currency rates do we use", "list_fx_rates"),
]


@pytest.mark.parametrize("text,tool", LISTS)
def test_lists_and_rates(text, tool):
    assert call(text) == (tool, {})


@pytest.mark.parametrize("text,currency,rate", [
    ("set the GBP rate to 1.26", "GBP", "1.26"),
    ("eur is 1.07 today, update the fx", "EUR", "1.07"),
    ("fx: CHF = 1,13", "CHF", "1.13"),
    ("1 EUR = 1.09 USD, please set it", "EUR", "1.09"),
    ("the pound is at 1.27 now, change the rate", "GBP", "1.27"),
])
def test_an_exchange_rate_with_its_currency_and_rate(text, currency, rate):
    assert call(text) == ("set_fx_rate", {"currency": currency, "rate": rate})


@pytest.mark.parametrize("text,lead", [
    ("history of lead 31 pls", 31), ("show the timeline for #31", 31),
    ("what has happened so far with lead thirty-one's client", 31),
])
def test_a_clients_timeline(text, lead):
    assert call(text) == ("client_timeline", {"lead_id": lead})


@pytest.mark.parametrize("text,lead,kind,said", [
    ("called lead 14 just now: they want a demo next week", 14, "call", "they want a demo next week"),
    ("log a call with #14 - they want a demo next week", 14, "call", "they want a demo next week"),
    ("met lead 14 for coffee, they're in", 14, "meeting", "met lead 14"),
    ("lead 14 emailed us: they accept the price", 14, "email", "they accept the price"),
    ("note for lead 14: the CFO decides", 14, "note", "the CFO decides"),
])
def test_an_interaction_with_its_kind_and_what_was_said(text, lead, kind, said):
    tool, args = call(text)
    assert (tool, args["lead_id"], args["kind"]) == ("log_interaction", lead, kind)
    assert said in args["summary"]


@pytest.mark.parametrize("text,lead,owner", [
    ("assign lead 12 to <@U04KLMN77>", 12, "U04KLMN77"),
    ("<@U04KLMN77> owns #12 from now on", 12, "U04KLMN77"),
    ("<@UGRACEBOT> give lead 12 to <@U04KLMN77|maria>", 12, "U04KLMN77"),  # the bot addressed first
    ("make <@U04KLMN77> the owner of lead twelve", 12, "U04KLMN77"),
])
def test_an_owner_is_the_mentioned_team_member(text, lead, owner):
    assert call(text) == ("assign_owner", {"lead_id": lead, "owner": owner})


@pytest.mark.parametrize("text,changes", [
    ("lead 34's budget is €15k now", {"budget": "€15k"}),
    ("budget on lead 34 went from €10k to €15k", {"budget": "€15k"}),
    ("change the timeline of lead 34 to by March", {"timeline": "by March"}),
    ("lead 34 project type should be chatbot", {"project_type": "chatbot"}),
    ("set the currency of lead 34 to GBP", {"currency": "GBP"}),
    ("next action for lead 34: send the revised quote", {"next_action": "send the revised quote"}),
])
def test_a_lead_edit_changes_the_field_it_names(text, changes):
    assert call(text) == ("edit_lead", {"lead_id": 34, **changes})


@pytest.mark.parametrize("text,changes", [
    ("the client of lead 9 prefers whatsapp", {"preferred_contact": "whatsapp"}),
    ("lead 9's client moved to portugal", {"country": "Portugal"}),
    ("client of #9 is inactive now", {"status": "inactive"}),
    ("new phone for lead 9's client: +351 912 345 678", {"phone": "+351 912 345 678"}),
    ("lead 9's client company is now called Vela Labs", {"company": "Vela Labs"}),
])
def test_a_client_edit_changes_the_field_it_names(text, changes):
    assert call(text) == ("edit_client", {"lead_id": 9, **changes})


@pytest.mark.parametrize("text,tool,missing", [
    ("give lead 33 to maria", "assign_owner", ["owner"]),  # a name is no Slack id: ask for the mention
    ("update lead 12", "edit_lead", ["changes"]),  # nothing to change: ask what
    ("fix the budget of lead 12", "edit_lead", ["changes"]),
    ("the client of lead 12 needs changing", "edit_client", ["changes"]),
])
def test_what_it_cannot_know_it_asks_for(text, tool, missing):
    p = parse(text, raw=text)
    assert (p.kind, p.intent.tool if p.intent else None, p.missing) == ("missing", tool, missing)
    reply = answer(p, Role.SALES, {tool}, Policies())
    assert not any(part.part_kind == "tool-call" for part in reply.parts)
    assert R.NEEDS_WORDS[missing[0]] in reply.parts[0].content  # type: ignore[union-attr]


def test_a_change_to_data_is_never_made_on_a_guess():
    """Whatever the message, a tool that changes data is only called when the model is sure of it."""
    changing = {"edit_lead", "edit_client", "assign_owner", "log_interaction", "set_fx_rate", "mark_lead_lost",
                "move_lead_stage"}
    for text in ["lead 5 client", "lead 5 budget", "lead 5 owner?", "lead 5 call", "eur", "lead 5 not anymore"]:
        p = parse(text, raw=text)
        if p.kind == "call" and p.intent and p.intent.tool in changing:
            assert p.confidence >= 0.4, (text, p.intent.tool, p.confidence)
        if p.kind == "unsure":
            reply = answer(p, Role.SALES, {r.tool for r in p.readings}, Policies())
            assert not any(part.part_kind == "tool-call" for part in reply.parts)


async def test_crm_requests_run_through_the_offline_agent(services: Services):
    key = "test:offline-crm"
    [owner] = await make_members(services, "sales", 1, prefix="U0OWN")
    r = await converse(services, SAM, key, "new lead: Ada Lovelace ada@example.com from Acme, budget €9.000")
    lead_id = r.outcomes[0].result["lead_id"]

    r = await converse(services, SAM, key, f"lead {lead_id}'s budget is €12.000 now")
    [o] = r.outcomes
    assert (o.tool, o.ok) == ("edit_lead", True) and o.result["changes"]["budget"]["after"] == "12000.00"

    r = await converse(services, SAM, key, f"called lead {lead_id}: they want a demo next week")
    [o] = r.outcomes
    assert (o.tool, o.ok, o.args["kind"]) == ("log_interaction", True, "call")
    async with services.session_factory() as s:
        logged = (await s.execute(select(Interaction).where(Interaction.lead_id == lead_id))).scalars().all()
    assert [(i.kind, i.summary) for i in logged if i.kind == "call"] == [("call", "they want a demo next week")]

    r = await converse(services, SAM, key, f"assign lead {lead_id} to <@{owner}>")
    [o] = r.outcomes
    assert (o.tool, o.ok, o.result["owner"]) == ("assign_owner", True, owner)

    r = await converse(services, SAM, key, f"the client of lead {lead_id} prefers whatsapp")
    [o] = r.outcomes
    assert (o.tool, o.ok) == ("edit_client", True) and o.result["changes"]["preferred_contact"]["after"] == "whatsapp"


async def test_a_rate_waits_for_its_confirmation(services: Services):
    r = await converse(services, FIONA, "test:offline-fx", "set the GBP rate to 1.26")
    assert r.outcomes == [] and [(p.tool, p.args) for p in r.pending] == [
        ("set_fx_rate", {"currency": "GBP", "rate": "1.26"})]


def test_one_likely_reading_below_the_threshold_is_asked_about_when_it_changes_data(monkeypatch):
    """Only one reading is likely, but not likely enough: a tool that changes data is not called on it (the
    model asks), a tool that only reads is."""
    from tools.offline import classifier

    classes = classifier.load().classes

    class Unsure:
        threshold = 0.4

        def __init__(self, top: str) -> None:
            self.top = top

        def scores(self, text: str) -> list[tuple[str, float]]:
            rest = [c for c in classes if c not in (self.top, classifier.NO_TOOL)]
            return [(self.top, 0.35), (classifier.NO_TOOL, 0.3)] + [(c, 0.35 / len(rest)) for c in rest]

    monkeypatch.setattr(classifier, "load", lambda: Unsure("qualify_lead"))
    p = parse("lead 5 hmm")
    assert p.kind == "unsure" and [r.tool for r in p.readings] == ["qualify_lead"]
    reply = answer(p, Role.SALES, {"qualify_lead"}, Policies())
    assert not any(part.part_kind == "tool-call" for part in reply.parts)
    assert "I won't change anything on a guess" in reply.parts[0].content  # type: ignore[union-attr]
    monkeypatch.setattr(classifier, "load", lambda: Unsure("show_lead"))
    p = parse("lead 5 hmm")
    assert p.kind == "call" and p.confidence < 0.4
