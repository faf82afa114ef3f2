"""The decision rule of a vote, as plain code: quorum, approve share, optional admin veto.

`decide` answers while the vote is open (a decision as soon as the outcome is
certain); `decide_at_deadline` answers when time is up.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Choice(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class VoteStatus(StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Rule:
    quorum: int  # minimum number of votes cast
    approve_share: Decimal  # approve votes must be MORE than this share of the votes cast
    admin_veto: bool = False


@dataclass(frozen=True, slots=True)
class Tally:
    approve: int
    reject: int
    eligible: int  # approvers who may vote
    vetoed: bool = False

    @property
    def cast(self) -> int:
        return self.approve + self.reject


def _passes(rule: Rule, approve: int, cast: int) -> bool:
    return cast >= rule.quorum and Decimal(approve) > rule.approve_share * cast


def decide(rule: Rule, tally: Tally) -> tuple[VoteStatus, str] | None:
    """The decision once it is certain, with the reason; None while it can still go either way."""
    if tally.vetoed:
        return VoteStatus.REJECTED, "vetoed by an admin"
    if _passes(rule, tally.approve, tally.cast):
        return VoteStatus.APPROVED, (f"quorum of {rule.quorum} reached and {tally.approve} of {tally.cast} "
                                     f"votes approve (more than {rule.approve_share:%} needed)")
    # Could the approvers who have not voted yet still carry it?
    remaining = max(tally.eligible - tally.cast, 0)
    if not _passes(rule, tally.approve + remaining, tally.cast + remaining):
        if tally.cast + remaining < rule.quorum:
            return VoteStatus.REJECTED, f"the quorum of {rule.quorum} votes can no longer be reached"
        return VoteStatus.REJECTED, f"{tally.reject} of {tally.eligible} approvers reject: approval is out of reach"
    return None


def decide_at_deadline(rule: Rule, tally: Tally) -> tuple[VoteStatus, str]:
    """When the deadline passes: approved if the rule is met, otherwise expired (which counts as a no)."""
    decided = decide(rule, tally)
    if decided is not None:
        return decided
    return VoteStatus.EXPIRED, (f"the deadline passed with {tally.cast} of {rule.quorum} required votes "
                                f"({tally.approve} approve, {tally.reject} reject)")
