"""The decision rule is plain code: quorum, approve share, veto, and what happens at the deadline."""

from decimal import Decimal

from engine.parliament.rules import Rule, Tally, VoteStatus, decide, decide_at_deadline

HALF = Rule(quorum=2, approve_share=Decimal("0.5"))


def test_quorum_and_more_than_half_approve():
    assert decide(HALF, Tally(approve=1, reject=0, eligible=3)) is None
    assert decide(HALF, Tally(approve=2, reject=0, eligible=3))[0] == VoteStatus.APPROVED
    # exactly half is not more than half
    assert decide(HALF, Tally(approve=1, reject=1, eligible=4)) is None
    assert decide(HALF, Tally(approve=2, reject=1, eligible=3))[0] == VoteStatus.APPROVED


def test_rejected_when_approval_is_out_of_reach():
    assert decide(HALF, Tally(approve=1, reject=1, eligible=2))[0] == VoteStatus.REJECTED
    assert decide(HALF, Tally(approve=0, reject=2, eligible=4))[0] == VoteStatus.REJECTED
    assert decide(HALF, Tally(approve=0, reject=1, eligible=4)) is None


def test_quorum_that_cannot_be_reached_rejects():
    rule = Rule(quorum=3, approve_share=Decimal("0.5"))
    assert decide(rule, Tally(approve=2, reject=0, eligible=2))[0] == VoteStatus.REJECTED


def test_admin_veto_rejects_at_once():
    rule = Rule(quorum=2, approve_share=Decimal("0.5"), admin_veto=True)
    assert decide(rule, Tally(approve=5, reject=1, eligible=9, vetoed=True))[0] == VoteStatus.REJECTED


def test_deadline_expires_an_undecided_vote():
    status, reason = decide_at_deadline(HALF, Tally(approve=1, reject=0, eligible=5))
    assert status == VoteStatus.EXPIRED and "deadline" in reason
    assert decide_at_deadline(HALF, Tally(approve=2, reject=0, eligible=5))[0] == VoteStatus.APPROVED
