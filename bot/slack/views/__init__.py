"""Views: the Home tab is drawn by `bot.slack.blocks.home` and published by the job in
`bot.slack.events.home`. No modal is submitted to Grace yet; view_submission listeners register here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp


def register(app: AsyncApp) -> None:
    return None
