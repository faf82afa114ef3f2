"""The Home tab: the pipeline at a glance, as the viewer's role allows."""

from __future__ import annotations

from typing import Any

from bot.slack.blocks.leads import pipeline_table
from bot.slack.blocks.text import Block, context, esc, md, plain


def home_view(metrics: dict[str, Any] | None, role: str) -> dict[str, Any]:
    blocks: list[Block] = [{"type": "header", "text": plain("Grace")}]
    if metrics is None:
        blocks.append(md(f"Your role ({esc(role)}) cannot see the pipeline. "
                         "Ask an admin to add you with `grace team add`."))
    else:
        blocks.extend(pipeline_table(metrics))
        stuck = metrics.get("stuck_lead_ids") or []
        if stuck:
            blocks.append(md(f"*Stuck over {metrics.get('stuck_days')} days:* " + ", ".join(f"#{i}" for i in stuck[:20])))
    blocks.append(context("Mention me in a channel or write to me here: “new lead: Ada Lovelace ada@example.com, "
                          "budget $12k”. `/grace help` lists commands."))
    return {"type": "home", "blocks": blocks}
