"""The daily digest of next actions that are due: one Slack message per owner (a direct message
to their Slack id), the unowned ones in the leads channel. Posted once per owner per day."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

from pydantic import BaseModel
from sqlalchemy import select

from engine.context import OperationContext
from engine.pipeline.stages import Stage
from storage.models import Client, Lead
from storage.types import utcnow

# Stages where a next action still matters (not lost, not finished).
_CLOSED = (Stage.LOST.value, Stage.PAID.value, Stage.REPEAT.value)
MAX_PER_OWNER = 30


class DigestReport(BaseModel):
    day: str
    owners: dict[str, list[int]]  # owner's Slack id -> lead ids ("" = nobody: the leads channel)
    posted: int


async def next_action_digest(ctx: OperationContext, now: datetime | None = None) -> DigestReport:
    """Next actions due by the end of today (UTC), overdue first, per owner; posted after commit."""
    ctx.check_policy("view_leads")
    now = now or utcnow()
    end_of_day = datetime.combine(now.date() + timedelta(days=1), time.min, tzinfo=now.tzinfo)
    rows = (await ctx.session.execute(
        select(Lead, Client.name, Client.company).join(Client, Lead.client_id == Client.id)
        .where(Lead.next_action_date.is_not(None), Lead.next_action_date < end_of_day, Lead.stage.not_in(_CLOSED))
        .order_by(Lead.next_action_date, Lead.id))).all()
    by_owner: dict[str, list[str]] = defaultdict(list)
    ids: dict[str, list[int]] = defaultdict(list)
    for lead, name, company in rows:
        owner = (lead.metadata_ or {}).get("owner")
        owner = owner if isinstance(owner, str) and owner[:1] in ("U", "W") and owner.isalnum() else ""
        if len(ids[owner]) >= MAX_PER_OWNER:
            continue
        assert lead.next_action_date is not None
        late = (now.date() - lead.next_action_date.date()).days
        when = "today" if late <= 0 else f"{late} day{'s' if late > 1 else ''} overdue"
        who = _plain(name + (f" ({company})" if company else ""))
        by_owner[owner].append(f"• lead #{lead.id} {who}, {lead.stage}: {_plain(lead.next_action or 'follow up')}"
                               f" — {when}")
        ids[owner].append(lead.id)
    day = now.date().isoformat()
    services, channel = ctx.services, ctx.settings.leads_channel or None
    for owner, lines in by_owner.items():
        head = f"Your next actions due {day} ({len(lines)}):" if owner else \
            f"Next actions due {day} with no owner ({len(lines)}) — assign one with `grace lead assign`:"
        text = "\n".join([head, *lines])
        target = owner or channel

        async def post(target: str | None = target, text: str = text, owner: str = owner) -> None:
            await services.notifier.post(target, text, key=f"digest:{day}:{owner or 'unowned'}")

        ctx.after_commit(post)
    return DigestReport(day=day, owners=dict(ids), posted=len(by_owner))


def _plain(text: str) -> str:
    """Client-written text in Slack: no pings, links or formatting."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")[:300]
