"""How the offline model is judged on a labelled corpus (tests/data/agent/*.jsonl): the right tool, and
the right tool with its key arguments. Used by bench/agent.py and the tests.

A message labelled with no tool is right when the model calls no tool. A message labelled with a tool is
right only when the model calls that tool at once: asking which of two readings was meant, or asking for a
missing argument, counts as wrong (honest: the person had to say more).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.offline.parser import Parsed, parse

CORPUS_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "agent"
# Free text that only has to be there (its wording is the person's).
PRESENT_ONLY = {"mark_lead_lost": ("reason",), "capture_upwork_post": ("text",)}
# The arguments compared exactly (absent on both sides counts as equal); strings ignore case and spacing.
KEYS: dict[str, tuple[str, ...]] = {
    "capture_lead": ("name", "email", "company", "source", "budget"),
    "generate_proposal": ("lead_id", "budget"),
    "collect_payment": ("project_id", "milestone"),
    "find_leads": ("stage", "source", "query"),
    "move_lead_stage": ("lead_id", "stage"),
    "mark_invoice_paid": ("invoice_number_or_id", "reference"),
    "revenue_stats": ("period",),
    "pipeline_metrics": (),
    "capture_upwork_post": (),
    "mark_lead_lost": ("lead_id",),
    "deliver_project": ("project_id",), "send_nps_survey": ("project_id",), "get_satisfaction": ("project_id",),
    "list_invoices": (), "list_projects": (), "list_fx_rates": (), "client_timeline": ("lead_id",),
    "set_fx_rate": (), "assign_owner": ("lead_id",), "log_interaction": ("lead_id",),
    "edit_lead": ("lead_id",), "edit_client": ("lead_id",),
}
# The CRM tools' arguments, compared only on the rows labelled with them (the first CRM rows were labelled
# with the lead alone). For an edit, once any field is labelled, every field is compared (a field changed
# that the message did not name is wrong); free text (a summary, notes) only has to be there.
EDIT_LEAD_FIELDS = ("budget", "currency", "value_estimate", "project_type", "timeline", "requirements", "notes",
                    "next_action")
EDIT_CLIENT_FIELDS = ("name", "company", "industry", "country", "timezone", "phone", "preferred_contact", "status",
                      "notes")
IF_LABELLED: dict[str, tuple[str, ...]] = {
    "set_fx_rate": ("currency", "rate"), "assign_owner": ("owner",), "log_interaction": ("kind",),
    "edit_lead": EDIT_LEAD_FIELDS, "edit_client": EDIT_CLIENT_FIELDS,
}
FREE_TEXT = frozenset({"requirements", "notes", "next_action", "timeline", "summary"})


def read(name: str) -> list[dict[str, Any]]:
    path = CORPUS_DIR / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.lower().split()) == " ".join(b.lower().split())
    return bool(a == b)


@dataclass
class Verdict:
    tool_ok: bool
    full_ok: bool
    got_tool: str | None
    got_args: dict[str, Any]


def judge(row: dict[str, Any], p: Parsed) -> Verdict:
    got = p.intent.tool if p.kind == "call" and p.intent else None
    want = row["tool"]
    if want is None:
        ok = p.kind in ("unknown", "help")
        return Verdict(ok, ok, got, p.args)
    if got != want:
        return Verdict(False, False, got, p.args)
    keys = KEYS.get(want, ("lead_id",))
    extra = IF_LABELLED.get(want, ())
    if want in ("edit_lead", "edit_client"):
        keys += extra if any(k in row["args"] for k in extra) else ()
    else:
        keys += tuple(k for k in extra if k in row["args"])
    full = all(_same(row["args"].get(k), p.args.get(k)) if k not in FREE_TEXT or k not in row["args"]
               else bool(p.args.get(k)) for k in keys)
    full = full and all(p.args.get(k) for k in PRESENT_ONLY.get(want, ()))
    return Verdict(True, full, got, p.args)


def run(row: dict[str, Any], *, rules: bool = True) -> Parsed:
    ctx = row.get("context") or {}
    return parse(" ".join(row["text"].split()), ctx.get("lead_id"), ctx.get("project_id"), raw=row["text"],
                 rules=rules)
