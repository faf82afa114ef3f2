"""Block Kit for the results of the agent's tools: one renderer per tool, looked up by `outcome_blocks`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.slack.blocks.leads import factor_lines, lead_card, lead_list, pipeline_table, revenue_fields
from bot.slack.blocks.proposals import proposal_result
from bot.slack.blocks.text import Block, context, esc, fields, link_button, md
from bot.slack.ids import ActionId
from tools.conversation import ToolOutcome


def _pct(v: Any) -> str:
    return f"{v:.0%}" if isinstance(v, int | float) else "—"


def prediction(r: dict[str, Any]) -> list[Block]:
    blocks = [md(f"*Lead #{r.get('lead_id')}: will it close?*"),
              fields(("Probability", _pct(r.get("probability"))),
                     ("Days to close", r.get("days_to_close")),
                     ("Expected", str(r.get("expected_close_date") or "")[:10]),
                     ("Confidence", esc(r.get("confidence_label") or "")))]
    if lines := factor_lines(r.get("top_factors") or r.get("factors")):
        blocks.append(context("Top factors: " + lines))
    return blocks


def next_action(r: dict[str, Any]) -> list[Block]:
    return [md(f"*Next for lead #{r.get('lead_id')}:* {esc(r.get('action'))} — by {str(r.get('due_at'))[:10]}\n"
               f"_{esc(r.get('reason'))}_")]


def delivery(r: dict[str, Any]) -> list[Block]:
    if r.get("status") == "awaiting_approval":
        text = f"*Project #{r.get('project_id')}* waits for Parliament: vote #{r.get('vote_id')} is open."
    else:
        text = f"*Project #{r.get('project_id')}* is being delivered (`{esc(r.get('job_id'))}`)."
    if r.get("note"):
        text += f"\n_{esc(r['note'])}_"
    return [md(text)]


def invoice(r: dict[str, Any]) -> list[Block]:
    head = f"*Invoice {esc(r.get('invoice_number'))}* — project #{r.get('project_id')}"
    if r.get("already_existed"):
        head += " _(already issued)_"
    blocks = [md(head), fields(("Amount", f"{esc(r.get('currency', ''))} {r.get('amount')}"),
                               ("Due", str(r.get("due_at") or "")[:10]), ("Status", esc(r.get("status"))))]
    if r.get("payment_link"):
        blocks.append(link_button("Payment link", r["payment_link"], ActionId.INVOICE_OPEN_LINK))
        blocks.append(context(esc(r["payment_link"])))
    return blocks


def invoice_paid(r: dict[str, Any]) -> list[Block]:
    return [md(f":white_check_mark: *Invoice {esc(r.get('invoice_number'))}* is paid — {esc(r.get('currency', ''))} "
               f"{r.get('amount')}, reference `{esc(r.get('transaction_id'))}`, {str(r.get('paid_at'))[:10]}.")]


def survey(r: dict[str, Any]) -> list[Block]:
    blocks = [md(f"*NPS survey* sent for project #{r.get('project_id')}"
                 + (f", e-mailed to {esc(r['emailed_to'])}" if r.get("emailed_to") else "")
                 + f". Open until {str(r.get('expires_at'))[:10]}.")]
    if r.get("link"):
        blocks.append(link_button("Survey link", r["link"], ActionId.SURVEY_OPEN_LINK))
    return blocks


def satisfaction(r: dict[str, Any]) -> list[Block]:
    agency = r.get("agency_nps")
    blocks = [md(f"*Client satisfaction* — project #{r.get('project_id')}"),
              fields(("NPS", r.get("nps_score")), ("Category", esc(r.get("category") or "")),
                     ("Sentiment", esc(r.get("sentiment_label") or "")),
                     ("Survey", esc(r.get("survey_status") or "not sent")),
                     ("Agency NPS", None if agency is None else f"{agency:.0f} ({r.get('agency_responses')} answers)"))]
    if r.get("comment"):
        blocks.append(context(f"“{esc(r['comment'])[:300]}”"))
    if r.get("recommendations"):
        blocks.append(md("\n".join(f"• {esc(x)}" for x in r["recommendations"][:5])))
    return blocks


RENDERERS: dict[str, Callable[[dict[str, Any]], list[Block]]] = {
    "predict_close": prediction,
    "suggest_next_action": next_action,
    "generate_proposal": proposal_result,
    "deliver_project": delivery,
    "collect_payment": invoice,
    "mark_invoice_paid": invoice_paid,
    "send_nps_survey": survey,
    "get_satisfaction": satisfaction,
    "find_leads": lambda r: lead_list(r.get("items", [])),
    "pipeline_metrics": pipeline_table,
    "revenue_stats": revenue_fields,
}


def outcome_blocks(o: ToolOutcome) -> list[Block]:
    """The blocks for one tool's result: a lead card for anything that is a lead, else the tool's renderer."""
    r = o.result if isinstance(o.result, dict) else {}
    if not o.ok or r.get("dry_run"):
        return []
    if "lead_id" in r and "client_name" in r:
        return lead_card(r)
    renderer = RENDERERS.get(o.tool)
    return renderer(r) if renderer else []
