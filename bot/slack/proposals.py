"""How a generated proposal looks in Slack: deliverables, hours, price, timeline, link."""

from __future__ import annotations

from typing import Any

from engine.proposals.schemas import GenerateProposalResult

MAX_LINES = 12


def _esc(text: str) -> str:
    """Slack mrkdwn control characters; names may come from a model or a client."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def proposal_summary_text(result: GenerateProposalResult, currency: str = "") -> str:
    p = result.proposal
    cur = f"{currency} " if currency else ""
    return (f"Proposal #{p.id} v{p.version}: {cur}{p.price:,.2f} for {p.total_hours:g} hours, about {p.weeks} weeks. "
            f"{p.link}")


def proposal_summary_blocks(result: GenerateProposalResult, currency: str = "") -> list[dict[str, Any]]:
    p = result.proposal
    cur = f"{currency} " if currency else ""
    lines = [f"• {_esc(d.name)}{' _(optional)_' if d.optional else ''} — {d.hours:g} h × {d.rate} = {d.amount}"
             for d in p.deliverables[:MAX_LINES]]
    if len(p.deliverables) > MAX_LINES:
        lines.append(f"… and {len(p.deliverables) - MAX_LINES} more")
    price = f"*{cur}{p.price:,.2f}*"
    if p.discount:
        price += f" (subtotal {p.subtotal:,.2f}, discount {p.discount:,.2f})"
    milestones = " → ".join(f"{_esc(m.name)} {m.amount:,.2f} ({m.due:%d %b})" if m.due else _esc(m.name)
                            for m in result.project_plan.milestones)
    return [
        {"type": "header", "text": {"type": "plain_text", "text": f"Proposal #{p.id} · version {p.version}"[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:3000]}},
        {"type": "section", "fields": [
            {"type": "mrkdwn", "text": f"*Price*\n{price}"},
            {"type": "mrkdwn", "text": f"*Hours*\n{p.total_hours:g}"},
            {"type": "mrkdwn", "text": f"*Timeline*\nabout {p.weeks} weeks"},
            {"type": "mrkdwn", "text": f"*Budget*\n{'fits' if p.fits_budget else 'does not fit'}"},
        ]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _esc(p.budget_note)[:3000]}]},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*Milestones*\n{milestones}"[:3000]}},
        {"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Open the client's page"}, "url": p.link,
             "action_id": "proposal_open_link"},
        ]},
    ]
