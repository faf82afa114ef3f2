"""The Slack side of a vote: posted to the approvals channel, redrawn in place after each vote."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from bot.slack.blocks.votes import summary_text, vote_blocks
from engine.context import Services
from engine.delivery.views import delivery_state
from engine.parliament.schemas import SUBJECT_PROJECT_DELIVERY, VoteView
from engine.parliament.votes import load_vote_view, record_vote_message

log = logging.getLogger(__name__)


class SlackVoteBoard:
    """Implements the engine's `VoteBoard` with Block Kit, through the (keyed) notifier."""

    def __init__(self, services: Services) -> None:
        self.services = services
        # One redraw at a time per vote in this process, each from the latest state, so an
        # older tally never overwrites a newer one.
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def _render(self, vote: VoteView) -> tuple[str, list[dict[str, object]]]:
        status = progress = None
        if vote.subject_type == SUBJECT_PROJECT_DELIVERY and vote.status == "approved":
            status, progress = await delivery_state(self.services, vote.subject_id)
        return summary_text(vote), vote_blocks(vote, status, progress)

    async def publish(self, vote_id: int) -> None:
        vote = await load_vote_view(self.services, vote_id)
        channel = vote.slack_channel or self.services.settings.approvals_channel
        if not channel:
            log.warning("vote #%s not posted: GRACE_APPROVALS_CHANNEL is not set", vote_id)
            return
        text, blocks = await self._render(vote)
        ts = await self.services.notifier.post(channel, text, blocks=blocks, key=f"vote:{vote_id}:posted")
        if ts:
            await record_vote_message(self.services, vote_id, channel, ts)

    async def refresh(self, vote_id: int) -> None:
        async with self._locks[vote_id]:
            vote = await load_vote_view(self.services, vote_id)
            if not (vote.slack_channel and vote.slack_ts):
                return
            update = getattr(self.services.notifier, "update", None)
            if update is None:
                return
            text, blocks = await self._render(vote)
            await update(vote.slack_channel, vote.slack_ts, text, blocks)

    async def announce(self, vote_id: int, text: str, key: str) -> None:
        vote = await load_vote_view(self.services, vote_id)
        channel = vote.slack_channel or self.services.settings.approvals_channel
        if channel:
            await self.services.notifier.post(channel, text, thread_ts=vote.slack_ts, key=key)
