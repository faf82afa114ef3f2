"""Where a vote is shown to people. The engine calls it after commit; Slack provides the real one.

`services.extras["vote_board"]` holds the implementation chosen at start-up
(`bot/slack/vote_board.py` when Slack is on); without one, `NotifierVoteBoard`
tells people through the notifier in plain text.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from engine.notify import escape_mrkdwn

if TYPE_CHECKING:
    from engine.context import Services

log = logging.getLogger(__name__)


class VoteBoard(Protocol):
    async def publish(self, vote_id: int) -> None:
        """Show a newly opened vote (once) and remember where it is shown."""

    async def refresh(self, vote_id: int) -> None:
        """Redraw the vote with its current tally, voters and decision."""

    async def announce(self, vote_id: int, text: str, key: str) -> None:
        """Say something about the vote next to it (a thread reply), at most once per key."""


class NotifierVoteBoard:
    """Plain-text fallback: posts the opening and announcements; nothing to redraw."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def publish(self, vote_id: int) -> None:
        from engine.parliament.votes import load_vote_view

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
    board = services.extras.get("vote_board")
    return board if board is not None else NotifierVoteBoard(services)
