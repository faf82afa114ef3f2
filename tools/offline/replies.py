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
    else:
        data.update(_parts(tool, content))
    return _fmt(R.REPLIES.get(tool, R.GENERIC_REPLY), {"tool": tool, **data})


def _pct(v: Any) -> str:
    return f"{v:.0%}" if isinstance(v, int | float) else "?"


def _day(v: Any) -> str:
    return str(v)[:10] if v else "?"


def _parts(tool: str, c: dict[str, Any]) -> dict[str, Any]:
    """Derived pieces of the sentences of the scoring, proposal, delivery, billing and NPS tools."""
    if tool == "capture_upwork_post":
        return {"upwork_part": "That Upwork post is already lead" if c.get("duplicate") or not c.get("created_lead")
                else "Captured Upwork lead",
                "budget_part": f", budget {c['currency']} {c['budget']}" if c.get("budget") else ""}
    if tool == "qualify_lead":
        return {"score_part": f"{c['score']:.0f}" if isinstance(c.get("score"), int | float) else "?",
                "verdict": "qualified" if c.get("qualified") else "not qualified"}
    if tool == "predict_close":
        return {"probability_part": _pct(c.get("probability"))}
    if tool == "suggest_next_action":
        return {"due_part": _day(c.get("due_at"))}
    if tool == "generate_proposal":
        p = c.get("proposal") or {}
        return {"proposal_id": p.get("id"), "version": p.get("version"), "price": p.get("price"),
                "hours": p.get("total_hours"), "weeks": p.get("weeks"), "link": p.get("link"),
                "fit_part": "fits the budget" if p.get("fits_budget") else "over the budget"}
    if tool == "deliver_project":
        pid = c.get("project_id")
        if c.get("status") == "awaiting_approval":
            text = f"Project #{pid} needs Parliament's approval first: vote #{c.get('vote_id')} is open."
        else:
            text = f"Project #{pid} is being delivered (build {c.get('job_id')})."
        return {"delivery_part": text + (f" {c['note']}" if c.get("note") else "")}
    if tool == "collect_payment":
        return {"again_part": "Already invoiced — " if c.get("already_existed") else "",
                "due_part": _day(c.get("due_at")), "link_part": c.get("payment_link") or "none (manual payment)"}
    if tool == "send_nps_survey":
        return {"emailed_part": f" (e-mailed to {c['emailed_to']})" if c.get("emailed_to") else "",
                "expires_part": _day(c.get("expires_at"))}
    if tool == "get_satisfaction":
        score = c.get("nps_score")
        nps = (f"NPS {score} ({c.get('category') or '?'})" if score is not None
               else f"no answer yet (survey {c.get('survey_status') or 'not sent'})")
        agency = c.get("agency_nps")
        recs = c.get("recommendations") or []
        return {"nps_part": nps, "agency_part": "n/a" if agency is None else f"{agency:.0f}",
                "advice_part": recs[0] if recs else ""}
    return {}


def confirm_question(tool: str, args: dict[str, Any]) -> str:
    template = R.CONFIRMS.get(tool, R.GENERIC_CONFIRM)
    return _fmt(template, {"tool": tool, "args": ", ".join(f"{k}={v}" for k, v in args.items()), **args})
