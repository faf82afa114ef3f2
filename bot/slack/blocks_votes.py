"""Block Kit for a Parliament vote: the subject's summary, the tally, who voted, and
either the Approve / Reject buttons (open) or the decision (closed)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from engine.parliament.schemas import VoteView

MAX_VOTERS_SHOWN = 40


class VoteActionId(StrEnum):
    APPROVE = "parliament_vote_approve"
    REJECT = "parliament_vote_reject"
    CANCEL_BUILD = "delivery_cancel_build"


class VoteButton(BaseModel):
    """The `value` of an Approve / Reject button."""

    vote_id: int


class BuildButton(BaseModel):
    """The `value` of a Cancel build button."""

    project_id: int


DECISION_WORDS = {
    "approved": ":white_check_mark: *Approved*",
    "rejected": ":x: *Rejected*",
    "expired": ":hourglass: *Expired* (not approved)",
}


def _text(s: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": s[:3000]}


def summary_text(vote: VoteView) -> str:
    return f"Parliament vote #{vote.id}: {vote.title}"


def vote_blocks(vote: VoteView, subject_status: str | None = None, progress: float | None = None) -> list[dict[str, Any]]:
    s = vote.summary
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"Vote #{vote.id}: {vote.title}"[:150]}},
    ]
    fields = []
    if s.get("client"):
        client = s["client"] + (f" ({s['company']})" if s.get("company") else "")
        fields.append(_text(f"*Client*\n{client}"))
    if s.get("price"):
        fields.append(_text(f"*Budget*\n{s.get('currency', '')} {s['price']}".strip()))
    if s.get("timeline"):
        fields.append(_text(f"*Timeline*\n{s['timeline']}"))
    fields.append(_text(f"*Deadline*\n{vote.deadline_at:%Y-%m-%d %H:%M} UTC"))
    blocks.append({"type": "section", "fields": fields[:10]})
    if s.get("deliverables"):
        lines = "\n".join(f"• {d}" for d in s["deliverables"][:10])
        blocks.append({"type": "section", "text": _text(f"*Deliverables*\n{lines}")})
    if s.get("milestones"):
        lines = "\n".join(f"{m['seq']}. {m['name']}" + (f" (due {m['due_at']})" if m.get("due_at") else "")
                          for m in s["milestones"][:10])
        blocks.append({"type": "section", "text": _text(f"*Milestones*\n{lines}")})
    if s.get("proposal_url"):
        blocks.append({"type": "section", "text": _text(f"<{s['proposal_url']}|View the proposal>")})
    blocks.append({"type": "context", "elements": [_text(
        f"Quorum {vote.quorum} · more than {vote.approve_share:.0%} of votes must approve · "
        f"{len(vote.approvers)} approver(s)" + (" · admin veto on" if vote.admin_veto else ""))]})
    blocks.append({"type": "divider"})
    blocks.append({"type": "section", "text": _text(tally_text(vote))})
    if vote.status == "open":
        value = VoteButton(vote_id=vote.id).model_dump_json()
        blocks.append({"type": "actions", "block_id": f"vote:{vote.id}", "elements": [
            {"type": "button", "action_id": VoteActionId.APPROVE.value, "style": "primary",
             "text": {"type": "plain_text", "text": "Approve"}, "value": value},
            {"type": "button", "action_id": VoteActionId.REJECT.value, "style": "danger",
             "text": {"type": "plain_text", "text": "Reject"}, "value": value},
        ]})
    else:
        decision = DECISION_WORDS.get(vote.status, vote.status)
        blocks.append({"type": "section", "text": _text(f"{decision} — {vote.decision_reason or ''}".rstrip(" —"))})
        if subject_status:
            blocks.extend(_delivery_blocks(vote, subject_status, progress))
    return blocks


def _delivery_blocks(vote: VoteView, status: str, progress: float | None) -> list[dict[str, Any]]:
    pct = f" ({progress:.0%})" if progress is not None else ""
    out: list[dict[str, Any]] = [{"type": "context", "elements": [_text(f"Project status: *{status}*{pct}")]}]
    if status == "in_progress":
        out.append({"type": "actions", "block_id": f"build:{vote.subject_id}", "elements": [
            {"type": "button", "action_id": VoteActionId.CANCEL_BUILD.value, "style": "danger",
             "text": {"type": "plain_text", "text": "Cancel build"},
             "value": BuildButton(project_id=vote.subject_id).model_dump_json(),
             "confirm": {"title": {"type": "plain_text", "text": "Cancel the build?"},
                         "text": {"type": "plain_text", "text": "Milestones already built are kept."},
                         "confirm": {"type": "plain_text", "text": "Cancel build"},
                         "deny": {"type": "plain_text", "text": "Keep building"}}},
        ]})
    return out


def tally_text(vote: VoteView) -> str:
    head = f"*Tally:* :white_check_mark: {vote.approve} approve · :x: {vote.reject} reject"
    if not vote.voters:
        return head + "\n_No votes yet._"
    shown = vote.voters[:MAX_VOTERS_SHOWN]
    who = ", ".join(f"{_who(v.user, v.name)} {'approved' if v.choice == 'approve' else 'rejected'}" for v in shown)
    more = f" and {len(vote.voters) - len(shown)} more" if len(vote.voters) > len(shown) else ""
    return f"{head}\n{who}{more}"


def _who(user: str, name: str | None) -> str:
    return f"<@{user}>" if user[:1] in ("U", "W") and ":" not in user else (name or user)
