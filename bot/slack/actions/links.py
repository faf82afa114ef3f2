"""Link buttons (the proposal's page, an invoice's payment link, an NPS survey link).

Slack opens the URL in the browser and still sends Grace the click; an unanswered click shows
the person a warning, so each is acked and nothing else happens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.slack.ids import ActionId

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

LINK_BUTTONS = (ActionId.PROPOSAL_OPEN_LINK, ActionId.INVOICE_OPEN_LINK, ActionId.SURVEY_OPEN_LINK)


async def handle_link_button_action(ack: Any) -> None:
    await ack()


def register(app: AsyncApp) -> None:
    for action_id in LINK_BUTTONS:
        app.action(action_id.value)(handle_link_button_action)
