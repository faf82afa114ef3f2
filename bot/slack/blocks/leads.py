"""Leads: the lead card, the new-lead announcement, lists of leads, the pipeline and revenue."""

from __future__ import annotations

from typing import Any

from bot.slack.blocks.text import Block, context, esc, md, money, mrkdwn

REQUIREMENTS_SHOWN = 280


def factor_lines(factors: Any, n: int = 3) -> str:
    """The top factors of a score, on one line."""
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


def lead_card(lead: dict[str, Any]) -> list[Block]:
    """A lead: name and company, then stage, score, budget, source, and the top factors of its score."""
    title = f"*Lead #{lead.get('lead_id')}: {esc(lead.get('client_name', ''))}*"
    if lead.get("company"):
        title += f" — {esc(lead['company'])}"
    score = lead.get("score")
    facts = [
        f"*Stage*\n{esc(lead.get('stage', '—'))}",
        f"*Score*\n{'—' if score is None else f'{score:.0f}/100'}",
        f"*Budget*\n{esc(money(lead.get('currency'), lead.get('budget')))}",
        f"*Source*\n{esc(lead.get('source', '—'))}",
    ]
    if lead.get("email"):
        facts.append(f"*E-mail*\n{esc(lead['email'])}")
    if lead.get("close_probability") is not None:
        facts.append(f"*Close probability*\n{lead['close_probability']:.0%}")
    blocks: list[Block] = [md(title), {"type": "section", "fields": [mrkdwn(f) for f in facts]}]
    if lines := factor_lines(lead.get("top_factors") or lead.get("factors")):
        blocks.append(context("Top factors: " + lines))
    if lead.get("recommendation"):
        blocks.append(md(f"_{esc(lead['recommendation'])}_"))
    if lead.get("requirements"):
        blocks.append(context(esc(lead["requirements"])[:300]))
    return blocks


def new_lead_card(lead: dict[str, Any]) -> tuple[str, list[Block]]:
    """The announcement of a lead that came from outside (form, e-mail, LinkedIn, Upwork...) in the
    leads channel: who, from where, budget, referrer and the start of the requirements."""
    source, lead_id = esc(lead.get("source", "")), lead.get("lead_id")
    who = esc(lead.get("name", "")) + (f" ({esc(lead['company'])})" if lead.get("company") else "")
    lines = [f"*New {source} lead #{lead_id}*: {who} · {esc(lead.get('email', ''))}"]
    facts = []
    if lead.get("budget") is not None:
        facts.append(f"budget {lead['budget']:,} {esc(lead.get('currency') or '')}".rstrip())
    elif lead.get("budget_range"):
        facts.append(f"budget {esc(lead['budget_range'])}")
    if lead.get("country"):
        facts.append(esc(lead["country"]))
    if lead.get("referrer"):
        facts.append(f"referred by {esc(lead['referrer'])}")
    if facts:
        lines.append(" · ".join(facts))
    if req := lead.get("requirements"):
        req = req if len(req) <= REQUIREMENTS_SHOWN else req[:REQUIREMENTS_SHOWN - 3] + "..."
        lines.append("> " + esc(req).replace("\n", "\n> "))
    return f"New {source} lead #{lead_id}: {who}", [md("\n".join(lines))]


def lead_list(items: list[dict[str, Any]]) -> list[Block]:
    lines = [f"• #{i['lead_id']} *{esc(i['client_name'])}*{' — ' + esc(i['company']) if i.get('company') else ''} "
             f"({esc(i['stage'])}, {esc(i['source'])})" for i in items]
    return [md("\n".join(lines))] if lines else []


def pipeline_table(m: dict[str, Any]) -> list[Block]:
    """The pipeline as a fixed-width table (Block Kit's most portable table)."""
    cur = m.get("currency", "")
    rows = [f"{'stage':<12}{'leads':>6}{'value':>16}{'stuck':>7}"]
    for s in m.get("stages", []):
        if s["count"] or s["stage"] in ("LEAD", "QUALIFIED", "PROPOSAL", "NEGOTIATION"):
            rows.append(f"{s['stage']:<12}{s['count']:>6}{(cur + ' ' + str(s['value'])):>16}{s.get('stuck', 0):>7}")
    wr = m.get("win_rate")
    head = f"*Pipeline* — {m.get('total_leads', 0)} leads, win rate {'n/a' if wr is None else f'{wr:.0%}'}"
    return [md(head), md("```" + "\n".join(rows) + "```")]


def revenue_fields(r: dict[str, Any]) -> list[Block]:
    cur = r.get("currency")
    return [md(f"*Revenue* ({esc(r.get('period', 'all'))})"), {"type": "section", "fields": [
        mrkdwn(f"*Invoiced*\n{money(cur, r.get('invoiced'))}"),
        mrkdwn(f"*Paid*\n{money(cur, r.get('paid'))}"),
        mrkdwn(f"*Outstanding*\n{money(cur, r.get('outstanding'))}"),
    ]}]
