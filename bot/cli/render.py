"""Rich rendering of the agent's replies in the terminal.

What the tools return carries people's words (a client's name, a lost reason, an invoice's reference):
it is drawn as plain text, never read as rich markup, so "[/b]" in a name is printed, not an error, and
a control character (ESC...) is shown as its escape, not sent to the terminal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.cli.common import clean, safe

if TYPE_CHECKING:
    from tools.replies import ChatReply, ToolOutcome

LEAD_FIELDS = ("lead_id", "client_name", "company", "email", "stage", "source", "budget", "score", "requirements")


def plain(value: Any) -> Text:
    """A table cell or title as plain text."""
    return Text(clean(value))


def lead_table(items: list[dict[str, Any]], title: str | None = None) -> Table:
    t = Table(title=None if title is None else plain(title))
    for f in ("#", "name", "company", "stage", "source", "budget", "score"):
        t.add_column(f)
    for i in items:
        budget = f"{i.get('currency', '')} {i['budget']}" if i.get("budget") else ""
        t.add_row(*map(plain, (i.get("lead_id"), i.get("client_name"), i.get("company"), i.get("stage"),
                               i.get("source"), budget, None if i.get("score") is None else f"{i['score']:.0f}")))
    return t


def pipeline_table(m: dict[str, Any]) -> Table:
    t = Table(title=plain(f"Pipeline: {m.get('total_leads', 0)} leads"))
    for f in ("stage", "leads", "value", "avg days", "stuck"):
        t.add_column(f, justify="right" if f != "stage" else "left")
    for s in m.get("stages", []):
        value = f"{m.get('currency', '')} {s['value']}" if s.get("value") is not None else \
            " + ".join(f"{c} {v}" for c, v in (s.get("values") or {}).items())
        t.add_row(*map(plain, (s["stage"], s["count"], value, s.get("avg_days"), s.get("stuck", 0))))
    return t


def fields_table(title: str, rows: list[tuple[str, Any]]) -> Table:
    t = Table(title=plain(title), show_header=False)
    t.add_column("", style="bold")
    t.add_column("")
    for k, v in rows:
        t.add_row(plain(k), plain("—" if v in (None, "") else v))
    return t


def _factors(r: dict[str, Any]) -> str:
    return "; ".join(str(f.get("text", f)) if isinstance(f, dict) else str(f)
                     for f in (r.get("top_factors") or r.get("factors") or [])[:3])


def _pct(v: Any) -> str:
    return f"{v:.0%}" if isinstance(v, int | float) else ""


def result_table(tool: str, r: dict[str, Any]) -> Table | None:
    """The scoring, proposal, delivery, billing and NPS results as a small table (None: nothing to draw)."""
    cur = r.get("currency", "")
    if tool == "predict_close":
        return fields_table(f"Lead #{r.get('lead_id')}: will it close?", [
            ("probability", _pct(r.get("probability"))), ("days to close", r.get("days_to_close")),
            ("expected", str(r.get("expected_close_date"))[:10]), ("confidence", r.get("confidence_label")),
            ("top factors", _factors(r))])
    if tool == "generate_proposal":
        p = r.get("proposal", {})
        t = Table(title=plain(f"Proposal #{p.get('id')} v{p.get('version')} — {cur} {p.get('price')}, "
                              f"{p.get('total_hours')} h, about {p.get('weeks')} weeks"))
        for c in ("deliverable", "hours", "rate", "amount"):
            t.add_column(c, justify="left" if c == "deliverable" else "right")
        for d in p.get("deliverables", []):
            t.add_row(*map(plain, (d["name"] + (" (optional)" if d.get("optional") else ""), d["hours"], d["rate"],
                                   d["amount"])))
        t.caption = plain(p.get("link"))
        return t
    if tool == "collect_payment":
        return fields_table(f"Invoice {r.get('invoice_number')}", [
            ("project", f"#{r.get('project_id')}"), ("amount", f"{cur} {r.get('amount')}"),
            ("due", str(r.get("due_at") or "")[:10]), ("status", r.get("status")),
            ("payment link", r.get("payment_link"))])
    if tool == "get_satisfaction":
        return fields_table(f"Satisfaction — project #{r.get('project_id')}", [
            ("NPS", r.get("nps_score")), ("category", r.get("category")), ("comment", r.get("comment")),
            ("survey", r.get("survey_status")), ("agency NPS", r.get("agency_nps")),
            ("next", "; ".join(r.get("recommendations") or []))])
    return None


def render_outcome(console: Console, o: ToolOutcome) -> None:
    r = o.result if isinstance(o.result, dict) else {}
    if not o.ok or r.get("dry_run"):
        return
    if "lead_id" in r and "client_name" in r:
        console.print(lead_table([r]))
        if r.get("top_factors"):
            console.print(f"  top factors: {clean(_factors(r))}", highlight=False, markup=False)
    elif (table := result_table(o.tool, r)) is not None:
        console.print(table)
    elif o.tool == "find_leads" and r.get("items"):
        console.print(lead_table(r["items"], f"{r.get('total')} lead(s)"))
    elif o.tool == "pipeline_metrics":
        console.print(pipeline_table(r))


def render_reply(console: Console, reply: ChatReply) -> None:
    for o in reply.outcomes:
        render_outcome(console, o)
    style = "yellow" if reply.pending else "bold"
    console.print(f"[{style}]grace:[/{style}] {safe(reply.text)}", highlight=False)
