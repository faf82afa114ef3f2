"""The small pieces every surface is made of, and the one escaping function for untrusted text."""

from __future__ import annotations

from typing import Any

from bot.slack.ids import ActionId

MAX_TEXT = 2900  # Slack's limit for a section's text is 3000 characters
Block = dict[str, Any]


def esc(text: Any) -> str:
    """Text from a client, a lead or a model, made inert in Slack mrkdwn.

    `&`, `<` and `>` are escaped, so `<https://evil|Open signed contract>` shows as typed instead of
    as a link, and `<!channel>` pings nobody. Used by every surface for every such value."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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
