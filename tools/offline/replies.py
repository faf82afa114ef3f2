"""Sentences the agent answers with after tools ran, or when it needs confirmation.

Used by the offline model and by the conversation layer (confirm questions),
whatever the model. Templates live in `rules`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from tools.offline import rules as R


def _fmt(template: str, data: dict[str, Any]) -> str:
    return template.format_map(defaultdict(lambda: "?", {k: v for k, v in data.items() if v is not None}))


def summarise(tool: str, content: Any, *, denied: bool = False) -> str:
    """One or two sentences about a tool's result."""
    if denied:
        return R.CANCELLED
    if not isinstance(content, dict):
        return str(content)
    if "error" in content:
        return str(content.get("message") or content["error"])
    if content.get("dry_run"):
        args = ", ".join(f"{k}={v!r}" for k, v in content.get("args", {}).items())
        return f"Dry run: I would call {tool}({args}); nothing was changed."
    data = dict(content)
    if tool in ("capture_lead", "show_lead"):
        data["company_part"] = f" of {content['company']}" if content.get("company") else ""
        data["budget_part"] = f", budget {content['currency']} {content['budget']}" if content.get("budget") else ""
    elif tool == "find_leads":
        items = content.get("items", [])
        if not items:
            data["found"] = "No leads match."
        else:
            shown = "; ".join(f"#{i['lead_id']} {i['client_name']} ({i['stage']})" for i in items[:10])
            data["found"] = f"{content.get('total', len(items))} lead(s): {shown}."
    elif tool == "pipeline_metrics":
        wr = content.get("win_rate")
        data["win_rate_part"] = f"{wr:.0%}" if isinstance(wr, int | float) else "n/a"
        stuck = content.get("stuck_lead_ids") or []
        data["stuck_part"] = (f"{len(stuck)} stuck over {content.get('stuck_days')} days" if stuck
                              else "nothing stuck")
    return _fmt(R.REPLIES.get(tool, R.GENERIC_REPLY), {"tool": tool, **data})


def confirm_question(tool: str, args: dict[str, Any]) -> str:
    template = R.CONFIRMS.get(tool, R.GENERIC_CONFIRM)
    return _fmt(template, {"tool": tool, "args": ", ".join(f"{k}={v}" for k, v in args.items()), **args})
