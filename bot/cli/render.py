"""Rich rendering of the agent's replies in the terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from tools.conversation import ChatReply, ToolOutcome

LEAD_FIELDS = ("lead_id", "client_name", "company", "email", "stage", "source", "budget", "score", "requirements")


def lead_table(items: list[dict[str, Any]], title: str | None = None) -> Table:
    t = Table(title=title)
    for f in ("#", "name", "company", "stage", "source", "budget", "score"):
        t.add_column(f)
    for i in items:
        budget = f"{i.get('currency', '')} {i['budget']}" if i.get("budget") else ""
        t.add_row(str(i.get("lead_id")), i.get("client_name") or "", i.get("company") or "", i.get("stage") or "",
                  i.get("source") or "", budget, "" if i.get("score") is None else f"{i['score']:.0f}")
    return t


def pipeline_table(m: dict[str, Any]) -> Table:
    t = Table(title=f"Pipeline: {m.get('total_leads', 0)} leads")
    for f in ("stage", "leads", "value", "avg days", "stuck"):
        t.add_column(f, justify="right" if f != "stage" else "left")
    for s in m.get("stages", []):
        t.add_row(s["stage"], str(s["count"]), f"{m.get('currency', '')} {s['value']}",
                  "" if s.get("avg_days") is None else str(s["avg_days"]), str(s.get("stuck", 0)))
    return t


def render_outcome(console: Console, o: ToolOutcome) -> None:
    r = o.result if isinstance(o.result, dict) else {}
    if not o.ok or r.get("dry_run"):
        return
    if "lead_id" in r and "client_name" in r:
        console.print(lead_table([r]))
    elif o.tool == "find_leads" and r.get("items"):
        console.print(lead_table(r["items"], f"{r.get('total')} lead(s)"))
    elif o.tool == "pipeline_metrics":
        console.print(pipeline_table(r))


def render_reply(console: Console, reply: ChatReply) -> None:
    for o in reply.outcomes:
        render_outcome(console, o)
    style = "yellow" if reply.pending else "bold"
    console.print(f"[{style}]grace:[/{style}] {reply.text}", highlight=False)
