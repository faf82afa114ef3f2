"""Every id Slack sends back to Grace: the action ids of our buttons, the typed payloads they carry,
the slash command and the events we subscribe to. The one place these names are spelled.

Each `ActionId` has exactly one listener in `bot.slack.actions` and appears on at least one
surface drawn by `bot.slack.blocks` (tests/bot/slack/test_completeness.py holds both ends).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class ActionId(StrEnum):
    # A tool call waiting for its speaker's confirmation (bot.slack.actions.approvals).
    CONFIRM = "grace_confirm"
    CANCEL = "grace_cancel"
    # One of the two readings of a message the agent was unsure about (bot.slack.actions.choices).
    CHOOSE = "grace_choose"
    # Parliament (bot.slack.actions.votes).
    VOTE_APPROVE = "parliament_vote_approve"
    VOTE_REJECT = "parliament_vote_reject"
    BUILD_CANCEL = "delivery_cancel_build"
    # Link buttons: Slack opens the URL and still sends us the click, which must be acked
    # (bot.slack.actions.links).
    PROPOSAL_OPEN_LINK = "proposal_open_link"
    INVOICE_OPEN_LINK = "invoice_open_link"
    SURVEY_OPEN_LINK = "survey_open_link"


class ApprovalValue(BaseModel):
    """The `value` of a Confirm/Cancel button: which thread and which waiting tool call."""

    k: str = Field(max_length=200, description="conversation key")
    c: str = Field(max_length=100, description="tool call id")


class ChoiceValue(BaseModel):
    """The `value` of a reading's button: which thread, and reading 1 or 2."""

    k: str = Field(max_length=200, description="conversation key")
    n: int = Field(ge=1, le=2, description="the reading's number")


class VoteButton(BaseModel):
    """The `value` of an Approve / Reject button."""

    vote_id: int


class BuildButton(BaseModel):
    """The `value` of a Cancel build button."""

    project_id: int


COMMAND = "/grace"
