"""Every Block Kit surface Grace can send to Slack, rendered with the same client-written text in
every field a client, a lead or a model fills. Used by the completeness and escaping tests.

`render_all` records which builders of `bot.slack.blocks` ran, so a new builder that this
catalogue does not draw fails the completeness test (`unrendered_builders`).
"""

from __future__ import annotations

import inspect
import json
import pkgutil
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path
from types import CodeType, FrameType
from typing import Any
from urllib.parse import urlencode

import yaml
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

import bot.slack.blocks as blocks_pkg
from bot.slack.blocks.conversation import chosen_blocks, decided_blocks, error_text, reply_blocks
from bot.slack.blocks.help import help_blocks
from bot.slack.blocks.home import home_view
from bot.slack.blocks.leads import lead_card, new_lead_card
from bot.slack.blocks.proposals import proposal_summary_text
from bot.slack.blocks.results import RENDERERS, outcome_blocks
from bot.slack.blocks.votes import build_progress_blocks, summary_text, vote_blocks
from bot.slack.ids import COMMAND, ActionId
from engine.parliament.schemas import VoterView, VoteView
from engine.proposals.schemas import GenerateProposalResult
from tests.fakes.slack import TEAM
from tools.conversation import ChatReply, PendingCall, ToolOutcome

Blocks = list[dict[str, Any]]
# Builders that draw no surface of their own (the pieces surfaces are made of).
PRIMITIVES = {"bot.slack.blocks.text"}


def lead(name: str) -> dict[str, Any]:
    return {"lead_id": 7, "client_name": name, "company": name, "stage": "QUALIFIED", "score": 82.4,
            "budget": "12000.00", "currency": "USD", "source": "website", "email": "ada@example.com",
            "close_probability": 0.4, "top_factors": [{"text": name, "points": 5}, name],
            "recommendation": name, "requirements": name}


def vote(name: str, status: str) -> VoteView:
    now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    return VoteView(
        id=4, subject_type="project_delivery", subject_id=9, title=f"Deliver project #9 for {name}", status=status,
        approve=1, reject=0, quorum=2, approve_share="0.5", admin_veto=True, approvers=["UAPP001", "UAPP002"],
        voters=[VoterView(user="UAPP001", name=name, choice="approve", comment=name, cast_at=now),
                VoterView(user=f"api:{name}", name=name, choice="reject", comment=None, cast_at=now)],
        deadline_at=now, decided_at=None if status == "open" else now,
        decision_reason=None if status == "open" else f"decided for {name}",
        summary={"client": name, "company": name, "price": "12000.00", "currency": "USD", "timeline": name,
                 "deliverables": [name], "milestones": [{"seq": 1, "name": name, "due_at": "2026-12-20"}],
                 "proposal_url": "http://grace.test/p/tok"},
        slack_channel="C0APPROVE", slack_ts="1700000000.000001")


def proposal(name: str) -> dict[str, Any]:
    return {"lead_id": 3, "project_id": 1, "currency": "USD", "proposal": {
        "id": 1, "version": 2, "total_hours": 20.0, "subtotal": "3000.00", "discount": "100.00", "price": "2900.00", "currency": "USD",
        "fits_budget": True, "budget_note": name, "weeks": 2, "link": "http://grace.test/p/tok",
        "deliverables": [{"name": name, "role": "consultant", "hours": 20.0, "rate": "150", "amount": "3000.00",
                          "optional": True}]},
        "project_plan": {"project_id": 1, "milestones": [{"name": name, "due": "2026-12-05", "share": "1",
                                                          "amount": "2900.00"}]}}


def tool_results(name: str) -> dict[str, dict[str, Any]]:
    """One result per tool that has a renderer; a test fails if a renderer is added without one here."""
    when = "2026-12-12T00:00:00Z"
    return {
        "predict_close": {"lead_id": 3, "probability": 0.76, "days_to_close": 30, "expected_close_date": when,
                          "confidence_label": name, "top_factors": [{"text": name, "points": 3}]},
        "suggest_next_action": {"lead_id": 3, "action": name, "due_at": when, "reason": name},
        "generate_proposal": proposal(name),
        "deliver_project": {"project_id": 9, "status": "in_progress", "job_id": "build:9", "note": name},
        "collect_payment": {"project_id": 9, "invoice_number": "INV-1", "amount": "10.00", "currency": "USD",
                            "status": "issued", "due_at": when, "payment_link": "http://grace.test/pay/x"},
        "mark_invoice_paid": {"invoice_number": "INV-1", "transaction_id": name, "amount": "10.00",
                              "currency": "USD", "paid_at": when},
        "send_nps_survey": {"project_id": 9, "link": "http://grace.test/nps/y", "expires_at": when,
                            "emailed_to": name},
        "get_satisfaction": {"project_id": 9, "nps_score": 9, "category": "promoter", "comment": name,
                             "survey_status": "answered", "agency_nps": 50.0, "agency_responses": 4,
                             "recommendations": [name]},
        "find_leads": {"total": 1, "items": [{"lead_id": 7, "client_name": name, "company": name,
                                              "stage": "LEAD", "source": "website"}]},
        "pipeline_metrics": {"total_leads": 3, "win_rate": 0.5, "currency": "USD", "stuck_lead_ids": [7],
                             "stuck_days": 14, "stages": [{"stage": "LEAD", "count": 2, "value": "100.00", "stuck": 1}]},
        "revenue_stats": {"period": "quarter", "currency": "USD", "invoiced": "10.00", "paid": "5.00",
                          "outstanding": "5.00"},
    }


def surfaces(name: str) -> dict[str, Blocks]:
    """Every surface, by a readable name, with `name` in every client-written field."""
    out: dict[str, Blocks] = {
        "lead card": lead_card(lead(name)),
        "new lead announcement": new_lead_card({"lead_id": 7, "source": "website", "name": name, "email": "a@b.io",
                                                "company": name, "budget": 12000, "currency": "USD",
                                                "country": name, "referrer": name, "requirements": name})[1],
        "confirmation prompt": reply_blocks(
            ChatReply(f"Mark {name} as lost?", pending=[PendingCall("call-1", "mark_lead_lost", {}, "q")]), "k"),
        "confirmation answered": decided_blocks("Mark lead #7 as lost?", "U0SALES", True),
        "unsure: two readings": reply_blocks(ChatReply("I'm not sure which you mean:", choices=[
            f"Show lead #7 ({name})", "Score and qualify lead #7"]), "k"),
        "reading chosen": chosen_blocks("I'm not sure which you mean:", "U0SALES", 1),
        "agent reply with a lead": reply_blocks(ChatReply(f"Captured lead #7: {name}.",
                                                          [ToolOutcome("capture_lead", {}, lead(name), True)]), "k"),
        "home tab": home_view(tool_results(name)["pipeline_metrics"], "sales")["blocks"],
        "home tab, no pipeline": home_view(None, "viewer")["blocks"],
        "help": help_blocks(),
        "build progress with Cancel": build_progress_blocks(9, "in_progress", 0.5),
        "build delivered": build_progress_blocks(9, "delivered", 1.0),
        "error": [_section(error_text())],
        "proposal text": [_section(proposal_summary_text(GenerateProposalResult.model_validate(proposal(name)), "USD"))],
    }
    for status in ("open", "approved", "rejected", "expired"):
        out[f"vote card {status}"] = vote_blocks(vote(name, status))
    out["vote card approved, building"] = vote_blocks(vote(name, "approved"), "in_progress", 0.3)
    out["vote card approved, delivered"] = vote_blocks(vote(name, "approved"), "delivered", 1.0)
    out["vote text"] = [_section(summary_text(vote(name, "open")))]
    for tool, result in tool_results(name).items():
        out[f"result of {tool}"] = outcome_blocks(ToolOutcome(tool, {}, result, True))
    assert set(tool_results(name)) >= set(RENDERERS), f"no sample result for {set(RENDERERS) - set(tool_results(name))}"
    return out


def _section(text: str) -> dict[str, Any]:
    """A message's plain `text` (shown in notifications) checked like a section."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def builders() -> dict[CodeType, str]:
    """Every public function defined in bot.slack.blocks' modules (the primitives aside)."""
    out: dict[CodeType, str] = {}
    for info in pkgutil.iter_modules(blocks_pkg.__path__, blocks_pkg.__name__ + "."):
        if info.name in PRIMITIVES:
            continue
        module = import_module(info.name)
        for fname, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == info.name and not fname.startswith("_"):
                out[fn.__code__] = f"{info.name}.{fname}"
    return out


def render_all(name: str) -> tuple[dict[str, Blocks], set[str]]:
    """The surfaces, and the builders of bot.slack.blocks that none of them ran."""
    wanted = builders()
    ran: set[CodeType] = set()

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code in wanted:
            ran.add(frame.f_code)

    sys.setprofile(profile)
    try:
        out = surfaces(name)
    finally:
        sys.setprofile(None)
    return out, {wanted[c] for c in set(wanted) - ran}


def elements(blocks: Any) -> Iterator[dict[str, Any]]:
    """Every dict inside the blocks (elements, accessories, confirm dialogs...)."""
    if isinstance(blocks, dict):
        yield blocks
        for v in blocks.values():
            yield from elements(v)
    elif isinstance(blocks, list):
        for v in blocks:
            yield from elements(v)


def action_ids(blocks: Blocks) -> set[str]:
    return {e["action_id"] for e in elements(blocks) if "action_id" in e}


def mrkdwn_texts(blocks: Blocks) -> list[str]:
    return [e["text"] for e in elements(blocks) if e.get("type") == "mrkdwn" and isinstance(e.get("text"), str)]


MANIFEST = yaml.safe_load((Path(__file__).parents[2] / "manifest.yml").read_text())


BOT_EVENTS = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])


COMMANDS = {c["command"] for c in MANIFEST["features"]["slash_commands"]}


def surface_action_ids() -> dict[str, set[str]]:
    """action_id -> the surfaces that show it."""
    shown, unrendered = render_all("Ada Lovelace")
    assert not unrendered, f"builders no surface in tests/helpers/slack_surfaces.py draws: {sorted(unrendered)}"
    out: dict[str, set[str]] = {}
    for name, blocks in shown.items():
        for aid in action_ids(blocks):
            out.setdefault(aid, set()).add(name)
    return out


def action_request(action_id: str) -> dict[str, Any]:
    return {"type": "block_actions", "team": {"id": TEAM}, "user": {"id": "U0SALES"}, "api_app_id": "A0GRACE",
            "trigger_id": "trig.1", "container": {"type": "message", "message_ts": "1.1", "channel_id": "C0LEADS"},
            "channel": {"id": "C0LEADS"}, "message": {"ts": "1.1", "blocks": []},
            "actions": [{"action_id": action_id, "block_id": "b", "value": "{}", "type": "button",
                         "action_ts": "1.2"}]}


def event_request(manifest_event: str) -> dict[str, Any]:
    """An Events API body for a manifest event name (`message.im` is a `message` in an IM)."""
    kind, _, channel_type = manifest_event.partition(".")
    event = {"type": kind, "user": "U0SALES", "text": "hi", "ts": "1.1", "channel": "D0IM", "event_ts": "1.1"}
    if channel_type:
        event["channel_type"] = channel_type
    return {"type": "event_callback", "team_id": TEAM, "api_app_id": "A0GRACE", "event_id": "Ev1", "event": event}


def command_request(command: str) -> str:
    return urlencode({"command": command, "text": "help", "team_id": TEAM, "channel_id": "C0LEADS",
                      "user_id": "U0SALES", "trigger_id": "trig.1"})


async def matched_by(app: AsyncApp) -> list[tuple[Any, set[str]]]:
    """Each listener of the app with what it answers, among every action, event and command we know of."""
    candidates: dict[str, AsyncBoltRequest] = {}
    for aid in set(surface_action_ids()) | {a.value for a in ActionId}:
        candidates[f"action:{aid}"] = AsyncBoltRequest(body=urlencode({"payload": json.dumps(action_request(aid))}),
                                                       headers={"content-type": "application/x-www-form-urlencoded"})
    for ev in BOT_EVENTS:
        candidates[f"event:{ev}"] = AsyncBoltRequest(body=json.dumps(event_request(ev)),
                                                     headers={"content-type": "application/json"})
    for cmd in COMMANDS | {COMMAND}:
        candidates[f"command:{cmd}"] = AsyncBoltRequest(body=command_request(cmd),
                                                        headers={"content-type": "application/x-www-form-urlencoded"})
    out = []
    # Bolt keeps its listeners in a private list; reading it is the only way to ask what an app answers.
    for listener in app._async_listeners:
        hits = {name for name, req in candidates.items()
                if await listener.async_matches(req=req, resp=BoltResponse(status=404))}
        out.append((listener, hits))
    return out
