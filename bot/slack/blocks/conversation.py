"""The agent's answers in a thread: tool results, the reply, and Confirm/Cancel for a waiting call."""

from __future__ import annotations

from bot.slack.blocks.results import outcome_blocks
from bot.slack.blocks.text import Block, esc, md, plain
from bot.slack.ids import ActionId, ApprovalValue, ChoiceValue
from tools.conversation import ChatReply

MAX_BLOCKS = 50  # Slack's limit per message


def reply_text(reply: ChatReply) -> str:
    """The agent's words, escaped: a model or a template may repeat what a client wrote."""
    return esc(reply.text)


def approval_buttons(key: str, tool_call_id: str) -> Block:
    value = ApprovalValue(k=key, c=tool_call_id).model_dump_json()
    return {"type": "actions", "block_id": f"approval:{tool_call_id}"[:255], "elements": [
        {"type": "button", "action_id": ActionId.CONFIRM.value, "style": "primary", "text": plain("Confirm"),
         "value": value},
        {"type": "button", "action_id": ActionId.CANCEL.value, "style": "danger", "text": plain("Cancel"),
         "value": value},
    ]}


def choice_buttons(key: str, labels: list[str]) -> Block:
    """The agent's two readings of a message it was unsure about, one button each (the text says them too)."""
    return {"type": "actions", "block_id": f"choice:{key}"[:255], "elements": [
        {"type": "button", "action_id": ActionId.CHOOSE.value, "text": plain(f"{n}. {label}"[:75]),
         "value": ChoiceValue(k=key, n=n).model_dump_json()}
        for n, label in enumerate(labels[:2], 1)]}


def chosen_blocks(question: str, user: str, number: int) -> list[Block]:
    """The choice once made: the question (our own, already escaped text) and who picked which reading."""
    return [md(f"{question}\n*{number}* chosen by <@{user}>")]


def reply_blocks(reply: ChatReply, key: str) -> list[Block]:
    blocks: list[Block] = []
    for o in reply.outcomes:
        blocks.extend(outcome_blocks(o))
    blocks.append(md(reply_text(reply)))
    for call in reply.pending:
        blocks.append(approval_buttons(key, call.tool_call_id))
    if reply.choices and not reply.pending:
        blocks.append(choice_buttons(key, reply.choices))
    return blocks[:MAX_BLOCKS]


def decided_blocks(question: str, user: str, approved: bool) -> list[Block]:
    """The confirmation prompt once answered: the question (our own, already escaped text) and who decided."""
    verdict = "Confirmed" if approved else "Cancelled"
    return [md(f"{question}\n*{verdict}* by <@{user}>")]


def error_text() -> str:
    return "Sorry, something went wrong on my side and nothing was changed. Please try again in a minute."
