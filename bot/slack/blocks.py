"""Block Kit rendering: lead cards, the pipeline as a table, confirmations, the Home tab.

Errors are a short plain sentence; a stack trace never reaches Slack.
"""

from __future__ import annotations

from typing import Any

from bot.slack.blocks_results import RENDERERS, esc, factor_lines
from bot.slack.ids import ActionId, ApprovalValue
from tools.conversation import ChatReply, ToolOutcome

MAX_TEXT = 2900  # Slack's limit for a section's text is 3000 characters
Block = dict[str, Any]


def _md(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_TEXT]}}


def _money(currency: str | None, amount: Any) -> str:
    return f"{currency or ''} {amount}".strip() if amount not in (None, "") else "—"


def lead_card(lead: dict[str, Any]) -> list[Block]:
    """A lead: name and company, then stage, score, budget, source, and the top factors of its score."""
    title = f"*Lead #{lead.get('lead_id')}: {lead.get('client_name', '')}*"
    if lead.get("company"):
        title += f" — {lead['company']}"
    score = lead.get("score")
    fields = [
        f"*Stage*\n{lead.get('stage', '—')}",
        f"*Score*\n{'—' if score is None else f'{score:.0f}/100'}",
        f"*Budget*\n{_money(lead.get('currency'), lead.get('budget'))}",
        f"*Source*\n{lead.get('source', '—')}",
    ]
    if lead.get("email"):
        fields.append(f"*E-mail*\n{lead['email']}")
    if lead.get("close_probability") is not None:
        fields.append(f"*Close probability*\n{lead['close_probability']:.0%}")
    blocks: list[Block] = [_md(title), {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]}]
    if lines := factor_lines(lead.get("top_factors") or lead.get("factors")):
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "Top factors: " + lines}]})
    if lead.get("recommendation"):
        blocks.append(_md(f"_{esc(lead['recommendation'])}_"))
    if lead.get("requirements"):
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": esc(lead["requirements"])[:300]}]})
    return blocks


def pipeline_table(m: dict[str, Any]) -> list[Block]:
    """The pipeline as a fixed-width table (Block Kit's most portable table)."""
    cur = m.get("currency", "")
    rows = [f"{'stage':<12}{'leads':>6}{'value':>16}{'stuck':>7}"]
    for s in m.get("stages", []):
        if s["count"] or s["stage"] in ("LEAD", "QUALIFIED", "PROPOSAL", "NEGOTIATION"):
            value = cur + " " + str(s["value"]) if s.get("value") is not None else \
                " + ".join(f"{c} {v}" for c, v in (s.get("values") or {}).items())  # no rate to add them
            rows.append(f"{s['stage']:<12}{s['count']:>6}{value:>16}{s.get('stuck', 0):>7}")
    wr = m.get("win_rate")
    head = f"*Pipeline* — {m.get('total_leads', 0)} leads, win rate {'n/a' if wr is None else f'{wr:.0%}'}"
    return [_md(head), _md("```" + "\n".join(rows) + "```")]


def revenue_fields(r: dict[str, Any]) -> list[Block]:
    cur = r.get("currency")
    return [_md(f"*Revenue* ({r.get('period', 'all')})"), {"type": "section", "fields": [
        {"type": "mrkdwn", "text": f"*Invoiced*\n{_money(cur, r.get('invoiced'))}"},
        {"type": "mrkdwn", "text": f"*Paid*\n{_money(cur, r.get('paid'))}"},
        {"type": "mrkdwn", "text": f"*Outstanding*\n{_money(cur, r.get('outstanding'))}"},
    ]}]


def outcome_blocks(o: ToolOutcome) -> list[Block]:
    r = o.result if isinstance(o.result, dict) else {}
    if not o.ok or r.get("dry_run"):
        return []
    if "lead_id" in r and "client_name" in r:
        return lead_card(r)
    if o.tool == "find_leads":
        items = r.get("items", [])
        lines = [f"• #{i['lead_id']} *{i['client_name']}*{' — ' + i['company'] if i.get('company') else ''} "
                 f"({i['stage']}, {i['source']})" for i in items]
        return [_md("\n".join(lines))] if lines else []
    if o.tool == "pipeline_metrics":
        return pipeline_table(r)
    if o.tool == "revenue_stats":
        return revenue_fields(r)
    if o.tool in RENDERERS:
        return RENDERERS[o.tool](r)
    return []


def approval_buttons(key: str, tool_call_id: str) -> Block:
    value = ApprovalValue(k=key, c=tool_call_id).model_dump_json()
    return {"type": "actions", "block_id": f"approval:{tool_call_id}"[:255], "elements": [
        {"type": "button", "action_id": ActionId.CONFIRM.value, "style": "primary",
         "text": {"type": "plain_text", "text": "Confirm"}, "value": value},
        {"type": "button", "action_id": ActionId.CANCEL.value, "style": "danger",
         "text": {"type": "plain_text", "text": "Cancel"}, "value": value},
    ]}


def reply_blocks(reply: ChatReply, key: str) -> list[Block]:
    blocks: list[Block] = []
    for o in reply.outcomes:
        blocks.extend(outcome_blocks(o))
    blocks.append(_md(reply.text))
    for call in reply.pending:
        blocks.append(approval_buttons(key, call.tool_call_id))
    return blocks[:50]


def decided_blocks(question: str, user: str, approved: bool) -> list[Block]:
    verdict = "Confirmed" if approved else "Cancelled"
    return [_md(f"{question}\n*{verdict}* by <@{user}>")]


def error_text() -> str:
    return "Sorry, something went wrong on my side and nothing was changed. Please try again in a minute."


def home_view(metrics: dict[str, Any] | None, role: str) -> dict[str, Any]:
    blocks: list[Block] = [{"type": "header", "text": {"type": "plain_text", "text": "Grace"}}]
    if metrics is None:
        blocks.append(_md(f"Your role ({role}) cannot see the pipeline. Ask an admin to add you with `grace team add`."))
    else:
        blocks.extend(pipeline_table(metrics))
        stuck = metrics.get("stuck_lead_ids") or []
        if stuck:
            blocks.append(_md(f"*Stuck over {metrics.get('stuck_days')} days:* " + ", ".join(f"#{i}" for i in stuck[:20])))
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text":
                   "Mention me in a channel or write to me here: “new lead: Ada Lovelace ada@example.com, budget $12k”. "
                   "`/grace help` lists commands."}]})
    return {"type": "home", "blocks": blocks}
