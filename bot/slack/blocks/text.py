"""The small pieces every surface is made of. `esc` is the one escaping function for text a client,
a lead or a model wrote (`engine.notify.escape_mrkdwn`, shared with the engine's own messages)."""

from __future__ import annotations

from typing import Any

from bot.slack.ids import ActionId
from engine.hunter.detectors.markup import escape_mrkdwn

MAX_TEXT = 2900  # Slack's limit for a section's text is 3000 characters
Block = dict[str, Any]
esc = escape_mrkdwn  # the one escaping function, under the short name the surfaces use


def md(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text)}


def mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text[:MAX_TEXT]}


def plain(text: str, limit: int = 150) -> dict[str, Any]:
    """plain_text is shown as typed (no escaping needed); headers allow 150 characters."""
    return {"type": "plain_text", "text": text[:limit] or " "}


def context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(text)]}


def fields(*pairs: tuple[str, Any]) -> Block:
    """Label/value pairs; values are shown as given (escape client text before)."""
    return {"type": "section", "fields": [mrkdwn(f"*{k}*\n{'—' if v in (None, '') else v}") for k, v in pairs][:10]}


def money(currency: str | None, amount: Any) -> str:
    return f"{currency or ''} {amount}".strip() if amount not in (None, "") else "—"


def link_button(text: str, url: str, action_id: ActionId) -> Block:
    """A button that opens a URL; Slack still sends us the click (acked by `actions.links`)."""
    return {"type": "actions", "elements": [{"type": "button", "text": plain(text, 75), "url": url,
                                             "action_id": action_id.value}]}
