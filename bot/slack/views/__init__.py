"""Views: the Home tab is built in `bot.slack.blocks.home_view` and published by a job.

No modal is submitted to Grace yet; view_submission handlers register here.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp


def register(app: AsyncApp) -> None:
    return None
