"""Turn a message into a tool call, a question saying what is missing, or a choice between two readings.

`parse(text, last_lead_id, last_project_id, raw=None)` is the entry point (its name and arguments are
stable). Which tool: the learned classifier (tools/offline/classifier.py), with two hand rules kept because
they beat it on the corpus (a pasted Upwork post; a lead-only tool is not read when only a project is
named, and the other way round). Which arguments: the extractors in tools/offline/slots.py.

Deterministic: the same message in the same thread always gives the same answer. The message is capped
at MAX_CHARS before any pattern runs, and every pattern is linear.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from tools.offline import classifier, fields, slots
from tools.offline import rules as R
from tools.offline.text import MAX_CHARS, prepare

_I = re.IGNORECASE
HELP = re.compile(R.HELP, _I)
# A pasted Upwork post: "new upwork lead:", "Upwork:", "upwork job:\n", "capture this upwork post: ..."
UPWORK_PASTE = re.compile(r"^\s{0,5}(?:(?:new|capture|add|log|record)(?: this| the| a)? )?upwork(?: (?:lead|job|post|"
                          r"job post|gig))?\s{0,3}:|^\s{0,5}(?:new|capture|add|log|record)(?: this| the| a)? upwork "
                          r"(?:lead|job|post|job post|gig)\b", _I)
# A reading picked from a choice: "choice: qualify_lead {"lead_id": 48}" (what the buttons send).
CHOICE = re.compile(r"^choice: ([a-z_]{1,40}) (\{[^\n]{0,2000}\})$")
# Kept only so the thread's history can be read by the model (tools/offline/model.py).
LEAD_ID = slots.LEAD_REF
PROJECT_ID = slots.PROJECT_REF
PROJECT_TOOLS = frozenset(i.tool for i in R.INTENTS if "project_id" in i.needs)
LEAD_TOOLS = frozenset(i.tool for i in R.INTENTS if "lead_id" in i.needs)
# How much less likely a tool becomes when the message names only the other kind of thing.
OTHER_KIND = 0.15
# How much less likely a reading becomes for each required argument the message does not give, and the
# probability below which a reading is not worth checking.
MISSING_WEIGHT = 0.15
SLOT_CHECK = 0.02
# How much more likely an edit becomes when the message names a field and its new value.
NAMED_FIELD = 3.0
CHANGE_WORD = re.compile(r"\b(?:is|are|now|should be|change[sd]?|update[sd]?|fix|correct|set|went|moved|edit)\b", _I)


@dataclass
class Entities:
    lead_id: int | None = None
    project_id: int | None = None
    hash_id: int | None = None
    bare: list[int] = field(default_factory=list)
    pronoun: bool = False
    email: str | None = None
    name: str | None = None
    company: str | None = None
    budget: str | None = None
    source: str | None = None
    stage: str | None = None
    owner: str | None = None  # a Slack user id, from a mention (read before Slack's markup is dropped)

    def described(self) -> str:
        parts = []
        if self.lead_id is not None:
            parts.append(f"lead #{self.lead_id}")
        if self.project_id is not None:
            parts.append(f"project #{self.project_id}")
        for label, v in (("name", self.name), ("e-mail", self.email), ("company", self.company),
                         ("budget", self.budget), ("source", self.source), ("stage", self.stage)):
            if v:
                parts.append(f"{label} {v}")
        return ", ".join(parts)


@dataclass
class Reading:
    """One way to understand the message: a tool, its arguments, and how likely the model finds it."""
    tool: str
    args: dict[str, Any]
    probability: float
    missing: list[str]

    @property
    def label(self) -> str:
        intent = R.BY_TOOL[self.tool]
        if self.missing:
            return intent.what[0].upper() + intent.what[1:]
        data = {**self.args, "query_part": f" for “{self.args['query']}”" if self.args.get("query") else ""}
        return intent.reading.format_map(data)

    def choice(self) -> str:
        """The message that picks this reading (a button's value): parsed back to exactly this call."""
        return f"choice: {self.tool} {json.dumps(self.args, ensure_ascii=False, sort_keys=True)}"


@dataclass
class Parsed:
    kind: str  # call | missing | unknown | help | unsure
    intent: R.Intent | None = None
    args: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    entities: Entities = field(default_factory=Entities)
    confidence: float = 1.0
    readings: list[Reading] = field(default_factory=list)  # the best two, when unsure


def model_text(text: str, owner: str | None) -> str:
    """What the classifier reads: the prepared message, and "xmention" when it names a team member (a Slack
    mention, dropped from the text with the rest of Slack's markup). Training reads the same (train.py)."""
    return f"{text} xmention" if owner else text


def extract(text: str) -> Entities:
    e = Entities()
    found = slots.emails(text)
    e.email = found[0] if found else None
    bare = slots.without(text, found)  # an e-mail's domain must not look like a source or a company
    r = slots.refs(bare)
    e.lead_id, e.project_id, e.hash_id, e.bare, e.pronoun = r.lead_id, r.project_id, r.hash_id, r.bare, r.pronoun
    no_ids = slots.HASH_REF.sub(" ", slots.PROJECT_REF.sub(" ", slots.LEAD_REF.sub(" ", bare)))
    e.budget = slots.budget(no_ids)
    e.source = slots.source(bare)
    e.stage = slots.stage(bare)
    return e


def _ref(tool: str, e: Entities, last_lead: int | None, last_project: int | None) -> int | None:
    """Which lead or project: an explicit "lead 12"/"project 3", else "#12", else a lone bare number,
    else (for "it", or for a project when no lead is named) the one the thread last mentioned."""
    single = e.bare[0] if len(e.bare) == 1 else None
    if tool in PROJECT_TOOLS:
        ref = e.project_id if e.project_id is not None else e.hash_id
        if ref is None and e.lead_id is None:
            ref = single
        if ref is None and (e.pronoun or e.lead_id is None):
            ref = last_project
        return ref
    ref = e.lead_id if e.lead_id is not None else e.hash_id
    if ref is None and e.project_id is None:
        ref = single
    if ref is None and e.pronoun:
        ref = last_lead
    return ref


def arguments(tool: str, text: str, raw: str, e: Entities, last_lead: int | None = None,
              last_project: int | None = None) -> dict[str, Any]:
    """The arguments of `tool` that the message gives (None where it gives nothing)."""
    if tool == "capture_upwork_post":
        m = UPWORK_PASTE.search(raw)
        rest = raw[m.end():] if m else raw
        return {"text": re.sub(r"^\s*:", "", rest).strip() or None}
    if tool == "capture_lead":
        skip = [e.email] if e.email else []
        no_money = slots.without(text, [a for _, _, a in slots.amounts(slots.without(text, skip))])
        who = slots.name_and_company(no_money, e.email, [])
        args: dict[str, Any] = {"name": who.name, "email": e.email, "source": e.source or R.DEFAULT_SOURCE}
        extra = {"company": who.company, "budget": e.budget, "requirements": slots.requirements(text),
                 "timeline": slots.timeline(text), "project_type": slots.project_type(slots.without(text, skip))}
        return args | {k: v for k, v in extra.items() if v}
    if tool in ("pipeline_metrics", "list_invoices", "list_projects", "list_fx_rates"):
        return {}
    if tool == "set_fx_rate":
        currency, rate = fields.fx_rate(text)
        return {"currency": currency, "rate": rate}
    if tool == "revenue_stats":
        return {"period": slots.period(text)}
    if tool == "find_leads":
        found = {"stage": e.stage, "source": e.source if e.source != "slack" else None, "query": slots.query(text)}
        return {k: v for k, v in found.items() if v}
    if tool == "mark_invoice_paid":
        return {"invoice_number_or_id": slots.invoice(text), "reference": slots.reference(text)}
    ref = _ref(tool, e, last_lead, last_project)
    if tool in PROJECT_TOOLS:
        args = {"project_id": ref}
        if tool == "collect_payment" and (ms := slots.milestone(text)) is not None:
            args["milestone"] = ms
        return args
    args = {"lead_id": ref}
    if tool == "assign_owner":
        args["owner"] = e.owner
    elif tool == "log_interaction":
        args |= {"kind": fields.interaction_kind(text), "summary": fields.summary(text)}
    elif tool == "edit_lead":
        args |= fields.checked(fields.lead_changes(text))
    elif tool == "edit_client":
        args |= fields.checked(fields.client_changes(text))
    elif tool == "move_lead_stage":
        args["stage"] = e.stage
    elif tool == "mark_lead_lost":
        args["reason"] = slots.reason(text)
    elif tool == "generate_proposal":
        if e.budget:
            args["budget"] = e.budget
        if req := slots.requirements(text):
            args["requirements"] = req
    return args


def _rerank(scores: list[tuple[str, float]], text: str, raw: str, e: Entities) -> list[tuple[str, float]]:
    """The hand rules kept because they beat the classifier alone on the corpus (bench/agent.py shows both)."""
    if UPWORK_PASTE.search(raw):
        return [("capture_upwork_post", 1.0)] + [(t, 0.0) for t, _ in scores if t != "capture_upwork_post"]
    only_lead = e.lead_id is not None and e.project_id is None
    only_project = e.project_id is not None and e.lead_id is None
    if only_lead or only_project:
        scores = [(t, p * OTHER_KIND if (only_lead and t in PROJECT_TOOLS) or (only_project and t in LEAD_TOOLS)
                   else p) for t, p in scores]
        total = sum(p for _, p in scores) or 1.0
        scores = sorted(((t, p / total) for t, p in scores), key=lambda t: -t[1])
    return scores


def _by_slots(scores: list[tuple[str, float]], text: str, raw: str, e: Entities, last_lead: int | None,
              last_project: int | None) -> list[tuple[str, float]]:
    """A reading the message gives no arguments for is less likely (a tool that needs a lead, and no lead is
    named): the likely readings are weighed by how much of what they need the message says. Cross-validated
    on the training part (python -m tools.offline.train --cv)."""
    out = []
    for t, p in scores:
        if t != classifier.NO_TOOL and p >= SLOT_CHECK:
            args = arguments(t, text, raw, e, last_lead, last_project)
            p *= MISSING_WEIGHT ** len(R.missing(t, args))
            if t in R.EDIT_FIELDS and not R.missing(t, args) and (
                    CHANGE_WORD.search(text) or set(args) - {"lead_id", "budget"}):
                # "set next step on lead 27 to call the CFO": a field and its new value, an edit (but a budget
                # alone is also what a proposal is written for: "make an offer to lead 6, budget $7.5k")
                p *= NAMED_FIELD
        out.append((t, p))
    total = sum(p for _, p in out) or 1.0
    return sorted(((t, p / total) for t, p in out), key=lambda t: -t[1])


def _picked(text: str) -> Parsed | None:
    """A reading chosen from a choice (its button's value, or the terminal's numbered answer)."""
    m = CHOICE.match(text.strip())
    if not m or m.group(1) not in R.BY_TOOL:
        return None
    try:
        args = json.loads(m.group(2))
    except ValueError:
        return None
    if not isinstance(args, dict):
        return None
    intent = R.BY_TOOL[m.group(1)]
    missing = R.missing(intent.tool, args)
    return Parsed("missing" if missing else "call", intent, args, missing)


def parse(text: str, last_lead_id: int | None = None, last_project_id: int | None = None,
          raw: str | None = None, *, rules: bool = True) -> Parsed:
    """The tool call a message asks for, using the thread's last lead/project for pronouns.
    `raw` is the message with its line breaks (a pasted post keeps them); `text` by default.
    `rules=False` is the classifier alone (bench/agent.py measures what the rules add)."""
    owner = fields.owner((raw if raw is not None else text)[:MAX_CHARS])
    raw = prepare((raw if raw is not None else text)[:MAX_CHARS])
    text = re.sub(r"\s+", " ", prepare(text[:MAX_CHARS]))
    if HELP.match(text):
        return Parsed("help")
    if picked := _picked(text):
        return picked
    e = extract(text)
    e.owner = owner
    model = classifier.load()
    scores = model.scores(model_text(text, owner))
    if rules:
        scores = _rerank(scores, text, raw, e)
        scores = _by_slots(scores, text, raw, e, last_lead_id, last_project_id)
    readings = [Reading(t, a, p, R.missing(t, a))
                for t, p in scores[:3] if t != classifier.NO_TOOL
                for a in [arguments(t, text, raw, e, last_lead_id, last_project_id)]][:2]
    top, p_top = scores[0]
    # Small talk stays small talk: a "none" reading is only doubted when the message names something to act on.
    named = e.lead_id is not None or e.project_id is not None or e.hash_id is not None or e.email is not None
    if top == classifier.NO_TOOL and not named:
        return Parsed("unknown", entities=e, confidence=p_top, readings=readings)
    if p_top < model.threshold and readings:
        if len(readings) == 1 or (top != classifier.NO_TOOL and readings[1].probability < p_top / 4):
            readings = readings[:1]
        if len(readings) == 2 or (top != classifier.NO_TOOL and readings[0].tool not in R.READ_ONLY
                                  and not readings[0].missing):
            return Parsed("unsure", R.BY_TOOL[readings[0].tool], readings[0].args, readings[0].missing, e, p_top,
                          readings)
    if top == classifier.NO_TOOL:
        return Parsed("unknown", entities=e, confidence=p_top, readings=readings)
    best = readings[0]
    return Parsed("missing" if best.missing else "call", R.BY_TOOL[best.tool], best.args, best.missing, e, p_top,
                  readings)
