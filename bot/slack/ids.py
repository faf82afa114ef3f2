"""Ids Slack sends back to us, and the typed payloads our buttons carry."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class ActionId(StrEnum):
    CONFIRM = "grace_confirm"
    CANCEL = "grace_cancel"


class ApprovalValue(BaseModel):
    """The `value` of a Confirm/Cancel button: which thread and which waiting tool call."""

    k: str = Field(max_length=200, description="conversation key")
    c: str = Field(max_length=100, description="tool call id")


# Slack's event types we subscribe to, mapped to the manifest's names.
EVENT_MANIFEST_NAMES = {"app_mention": "app_mention", "message": "message.im", "app_home_opened": "app_home_opened"}
COMMAND = "/grace"
