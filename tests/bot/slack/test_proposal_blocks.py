from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from bot.slack.blocks.proposals import proposal_summary_blocks, proposal_summary_text
from engine.proposals.schemas import (
    DeliverableOut,
    GenerateProposalResult,
    MilestoneOut,
    ProjectPlanOut,
    ProposalOut,
)


def result() -> GenerateProposalResult:
    lines = [DeliverableOut(name=f"<!channel> item {i}", role="engineer", hours=Decimal("10"), rate=Decimal("150"),
                            amount=Decimal("1500.00"), optional=i == 1) for i in range(15)]
    return GenerateProposalResult(
        proposal=ProposalOut(id=7, version=2, deliverables=lines, total_hours=Decimal("150"),
                             subtotal=Decimal("22500.00"), discount=Decimal("500.00"), price=Decimal("22000.00"),
                             currency="USD", fits_budget=True, budget_note="Applied a discount.", weeks=5, link="http://x/p/t"),
        project_plan=ProjectPlanOut(project_id=3, milestones=[
            MilestoneOut(name="Discovery", due=date(2026, 12, 5), share=Decimal("0.5"), amount=Decimal("11000.00")),
            MilestoneOut(name="Build", due=date(2027, 1, 5), share=Decimal("0.5"), amount=Decimal("11000.00"))]))


def test_blocks_show_deliverables_hours_price_timeline_and_link() -> None:
    blocks = proposal_summary_blocks(result(), "USD")
    text = json.dumps(blocks)
    assert "USD 22,000.00" in text and "about 5 weeks" in text and "http://x/p/t" in text
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text  # no mass mention from a deliverable name
    assert "and 3 more" in text and "_(optional)_" in text and "Discovery 11,000.00 (05 Dec)" in text
    assert proposal_summary_text(result(), "USD").startswith("Proposal #7 v2: USD 22,000.00 for 150 hours")
