"""The engine's `LeadAnnouncer` in Slack: a new lead's card in the leads channel, once per lead."""

from __future__ import annotations

from bot.slack.blocks.leads import new_lead_card
from engine.ports import Notifier
from engine.sources.intake import NewLead


class SlackLeadAnnouncer:
    def __init__(self, notifier: Notifier, channel: str | None) -> None:
        self.notifier = notifier
        self.channel = channel

    async def announce(self, lead: NewLead, key: str) -> None:
        text, blocks = new_lead_card(lead.model_dump())
        await self.notifier.post(self.channel, text, blocks=blocks, key=key)
