"""How a generated proposal looks in Slack: deliverables, hours, price, timeline, link."""

from __future__ import annotations

from typing import Any

from bot.slack.blocks.text import Block, context, esc, link_button, md, mrkdwn, plain
from bot.slack.ids import ActionId
from engine.proposals.schemas import GenerateProposalResult

MAX_LINES = 12


def proposal_summary_text(result: GenerateProposalResult, currency: str = "") -> str:
    p = result.proposal
    cur = f"{currency} " if currency else ""
    return (f"Proposal #{p.id} v{p.version}: {cur}{p.price:,.2f} for {p.total_hours:g} hours, about {p.weeks} weeks. "
            f"{p.link}")


def proposal_summary_blocks(result: GenerateProposalResult, currency: str = "") -> list[Block]:
    p = result.proposal
    cur = f"{currency} " if currency else ""
    lines = [f"• {esc(d.name)}{' _(optional)_' if d.optional else ''} — {d.hours:g} h × {d.rate} = {d.amount}"
             for d in p.deliverables[:MAX_LINES]]
    if len(p.deliverables) > MAX_LINES:
        lines.append(f"… and {len(p.deliverables) - MAX_LINES} more")
    price = f"*{cur}{p.price:,.2f}*"
    if p.discount:
        price += f" (subtotal {p.subtotal:,.2f}, discount {p.discount:,.2f})"
    milestones = " → ".join(f"{esc(m.name)} {m.amount:,.2f} ({m.due:%d %b})" if m.due else esc(m.name)
                            for m in result.project_plan.milestones)
    return [
        {"type": "header", "text": plain(f"Proposal #{p.id} · version {p.version}")},
        md("\n".join(lines)),
        {"type": "section", "fields": [
            mrkdwn(f"*Price*\n{price}"),
            mrkdwn(f"*Hours*\n{p.total_hours:g}"),
            mrkdwn(f"*Timeline*\nabout {p.weeks} weeks"),
            mrkdwn(f"*Budget*\n{'fits' if p.fits_budget else 'does not fit'}"),
        ]},
        context(esc(p.budget_note)),
        md(f"*Milestones*\n{milestones}"),
        link_button("Open the client's page", p.link, ActionId.PROPOSAL_OPEN_LINK),
    ]


def proposal_result(r: dict[str, Any]) -> list[Block]:
    return proposal_summary_blocks(GenerateProposalResult.model_validate(r), r.get("currency") or "")
