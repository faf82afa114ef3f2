"""A Parliament vote: the subject's summary, the tally, who voted, and either the Approve / Reject
buttons (open) or the decision (closed), with the build's progress and Cancel build once approved."""

from __future__ import annotations

from bot.slack.blocks.text import Block, context, esc, md, mrkdwn, plain
from bot.slack.ids import ActionId, BuildButton, VoteButton
from engine.parliament.schemas import VoteView

MAX_VOTERS_SHOWN = 40

DECISION_WORDS = {
    "approved": ":white_check_mark: *Approved*",
    "rejected": ":x: *Rejected*",
    "expired": ":hourglass: *Expired* (not approved)",
}


def summary_text(vote: VoteView) -> str:
    return f"Parliament vote #{vote.id}: {esc(vote.title)}"


def vote_blocks(vote: VoteView, subject_status: str | None = None, progress: float | None = None) -> list[Block]:
    s = vote.summary
    blocks: list[Block] = [{"type": "header", "text": plain(f"Vote #{vote.id}: {vote.title}")}]
    facts = []
    if s.get("client"):
        client = esc(s["client"]) + (f" ({esc(s['company'])})" if s.get("company") else "")
        facts.append(mrkdwn(f"*Client*\n{client}"))
    if s.get("price"):
        facts.append(mrkdwn(f"*Budget*\n{esc(s.get('currency', ''))} {esc(s['price'])}".strip()))
    if s.get("timeline"):
        facts.append(mrkdwn(f"*Timeline*\n{esc(s['timeline'])}"))
    facts.append(mrkdwn(f"*Deadline*\n{vote.deadline_at:%Y-%m-%d %H:%M} UTC"))
    blocks.append({"type": "section", "fields": facts[:10]})
    if s.get("deliverables"):
        lines = "\n".join(f"• {esc(d)}" for d in s["deliverables"][:10])
        blocks.append(md(f"*Deliverables*\n{lines}"))
    if s.get("milestones"):
        lines = "\n".join(f"{m['seq']}. {esc(m['name'])}" + (f" (due {esc(m['due_at'])})" if m.get("due_at") else "")
                          for m in s["milestones"][:10])
        blocks.append(md(f"*Milestones*\n{lines}"))
    if s.get("proposal_url"):
        blocks.append(md(f"<{s['proposal_url']}|View the proposal>"))
    blocks.append(context(
        f"Quorum {vote.quorum} · more than {vote.approve_share:.0%} of votes must approve · "
        f"{len(vote.approvers)} approver(s)" + (" · admin veto on" if vote.admin_veto else "")))
    blocks.append({"type": "divider"})
    blocks.append(md(tally_text(vote)))
    if vote.status == "open":
        value = VoteButton(vote_id=vote.id).model_dump_json()
        blocks.append({"type": "actions", "block_id": f"vote:{vote.id}", "elements": [
            {"type": "button", "action_id": ActionId.VOTE_APPROVE.value, "style": "primary", "text": plain("Approve"),
             "value": value},
            {"type": "button", "action_id": ActionId.VOTE_REJECT.value, "style": "danger", "text": plain("Reject"),
             "value": value},
        ]})
    else:
        decision = DECISION_WORDS.get(vote.status, esc(vote.status))
        blocks.append(md(f"{decision} — {esc(vote.decision_reason or '')}".rstrip(" —")))
        if subject_status:
            blocks.extend(build_progress_blocks(vote.subject_id, subject_status, progress))
    return blocks


def build_progress_blocks(project_id: int, status: str, progress: float | None) -> list[Block]:
    """The project's status under its vote; a build in progress can be cancelled."""
    pct = f" ({progress:.0%})" if progress is not None else ""
    out: list[Block] = [context(f"Project status: *{esc(status)}*{pct}")]
    if status == "in_progress":
        out.append({"type": "actions", "block_id": f"build:{project_id}", "elements": [
            {"type": "button", "action_id": ActionId.BUILD_CANCEL.value, "style": "danger",
             "text": plain("Cancel build"), "value": BuildButton(project_id=project_id).model_dump_json(),
             "confirm": {"title": plain("Cancel the build?"), "text": plain("Milestones already built are kept."),
                         "confirm": plain("Cancel build"), "deny": plain("Keep building")}},
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
    """A Slack user is mentioned; anyone else (an API key, the CLI) is named, escaped."""
    return f"<@{user}>" if user[:1] in ("U", "W") and user.isalnum() else esc(name or user)

