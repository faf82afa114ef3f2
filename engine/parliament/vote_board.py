"""Where a vote is shown to people. The engine calls it after commit; Slack provides the real one.

`services.vote_board` holds the implementation chosen at start-up (`bot/slack/vote_board.py`
when Slack is on); without one, `NotifierVoteBoard` tells people through the notifier in plain text.
"""

from __future__ import annotations

from engine.context import Services
from engine.hunter.detectors.markup import escape_mrkdwn
from engine.parliament.views import load_vote_view
from engine.ports import VoteBoard


class NotifierVoteBoard:
    """Plain-text fallback: posts the opening and announcements; nothing to redraw."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def publish(self, vote_id: int) -> None:
        vote = await load_vote_view(self.services, vote_id)
        await self.services.notifier.post(
            self.services.settings.approvals_channel or None,
            f"Vote #{vote.id} opened: {escape_mrkdwn(vote.title)} (quorum {vote.quorum}, deadline {vote.deadline_at:%Y-%m-%d %H:%M} UTC)",
            key=f"vote:{vote.id}:opened")

    async def refresh(self, vote_id: int) -> None:
        return None

    async def announce(self, vote_id: int, text: str, key: str) -> None:
        await self.services.notifier.post(self.services.settings.approvals_channel or None, text, key=key)


def board_for(services: Services) -> VoteBoard:
    return services.vote_board if services.vote_board is not None else NotifierVoteBoard(services)
