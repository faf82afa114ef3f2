"""Block Kit for the results of the scoring, proposal, delivery, billing and NPS tools.

`bot.slack.blocks.outcome_blocks` looks a tool up in `RENDERERS`; lead cards (qualify,
Upwork capture) are drawn by `blocks.lead_card`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.slack.proposals import proposal_summary_blocks
from engine.proposals.schemas import GenerateProposalResult

Block = dict[str, Any]
MAX_TEXT = 2900


def esc(text: Any) -> str:
    """Slack mrkdwn control characters out of text that may come from a client or a model."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _md(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_TEXT]}}


def _fields(*pairs: tuple[str, Any]) -> Block:
    return {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{'—' if v in (None, '') else v}"}
                                          for k, v in pairs]}


def _button(text: str, url: str, action_id: str) -> Block:
    return {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": text},
                                             "url": url, "action_id": action_id}]}


def _pct(v: Any) -> str:
    return f"{v:.0%}" if isinstance(v, int | float) else "—"


def factor_lines(factors: Any, n: int = 3) -> str:
    if not isinstance(factors, list):
        return ""
    out = []
    for f in factors[:n]:
        if isinstance(f, dict):
            pts = f.get("points")
            sign = "" if not isinstance(pts, int | float) else f" ({pts:+.0f})"
            out.append(f"• {esc(f.get('text') or f.get('name') or f.get('feature'))}{sign}")
        else:
            out.append(f"• {esc(f)}")
    return "  ".join(out)


def prediction(r: dict[str, Any]) -> list[Block]:
    blocks = [_md(f"*Lead #{r.get('lead_id')}: will it close?*"),
              _fields(("Probability", _pct(r.get("probability"))),
                      ("Days to close", r.get("days_to_close")),
                      ("Expected", str(r.get("expected_close_date") or "")[:10]),
                      ("Confidence", esc(r.get("confidence_label") or "")))]
    if lines := factor_lines(r.get("top_factors") or r.get("factors")):
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "Top factors: " + lines}]})
    return blocks


def next_action(r: dict[str, Any]) -> list[Block]:
    return [_md(f"*Next for lead #{r.get('lead_id')}:* {esc(r.get('action'))} — by {str(r.get('due_at'))[:10]}\n"
                f"_{esc(r.get('reason'))}_")]


def proposal(r: dict[str, Any]) -> list[Block]:
    return proposal_summary_blocks(GenerateProposalResult.model_validate(r), r.get("currency") or "")


def delivery(r: dict[str, Any]) -> list[Block]:
    if r.get("status") == "awaiting_approval":
        text = f"*Project #{r.get('project_id')}* waits for Parliament: vote #{r.get('vote_id')} is open."
    else:
        text = f"*Project #{r.get('project_id')}* is being delivered (`{r.get('job_id')}`)."
    if r.get("note"):
        text += f"\n_{esc(r['note'])}_"
    return [_md(text)]


def invoice(r: dict[str, Any]) -> list[Block]:
    head = f"*Invoice {r.get('invoice_number')}* — project #{r.get('project_id')}"
    if r.get("already_existed"):
        head += " _(already issued)_"
    blocks = [_md(head), _fields(("Amount", f"{r.get('currency', '')} {r.get('amount')}"),
                                 ("Due", str(r.get("due_at") or "")[:10]), ("Status", r.get("status")))]
    if r.get("payment_link"):
        blocks.append(_button("Payment link", r["payment_link"], "invoice_open_link"))
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": r["payment_link"]}]})
    return blocks


def invoice_paid(r: dict[str, Any]) -> list[Block]:
    return [_md(f":white_check_mark: *Invoice {r.get('invoice_number')}* is paid — {r.get('currency', '')} "
                f"{r.get('amount')}, reference `{esc(r.get('transaction_id'))}`, {str(r.get('paid_at'))[:10]}.")]


def survey(r: dict[str, Any]) -> list[Block]:
    blocks = [_md(f"*NPS survey* sent for project #{r.get('project_id')}"
                  + (f", e-mailed to {esc(r['emailed_to'])}" if r.get("emailed_to") else "")
                  + f". Open until {str(r.get('expires_at'))[:10]}.")]
    if r.get("link"):
        blocks.append(_button("Survey link", r["link"], "survey_open_link"))
    return blocks


def satisfaction(r: dict[str, Any]) -> list[Block]:
    agency = r.get("agency_nps")
    blocks = [_md(f"*Client satisfaction* — project #{r.get('project_id')}"),
              _fields(("NPS", r.get("nps_score")), ("Category", r.get("category")),
                      ("Sentiment", r.get("sentiment_label")), ("Survey", r.get("survey_status") or "not sent"),
                      ("Agency NPS", None if agency is None else f"{agency:.0f} ({r.get('agency_responses')} answers)"))]
    if r.get("comment"):
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"“{esc(r['comment'])[:300]}”"}]})
    if r.get("recommendations"):
        blocks.append(_md("\n".join(f"• {esc(x)}" for x in r["recommendations"][:5])))
    return blocks


RENDERERS: dict[str, Callable[[dict[str, Any]], list[Block]]] = {
    "predict_close": prediction,
    "suggest_next_action": next_action,
    "generate_proposal": proposal,
    "deliver_project": delivery,
    "collect_payment": invoice,
    "mark_invoice_paid": invoice_paid,
    "send_nps_survey": survey,
    "get_satisfaction": satisfaction,
}
