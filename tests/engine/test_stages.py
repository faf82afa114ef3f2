from engine.pipeline.stages import ALLOWED_MOVES, ORDER, Stage, allowed_moves


def test_forward_moves_and_lost_only_before_active():
    assert Stage.QUALIFIED in ALLOWED_MOVES[Stage.LEAD]
    assert Stage.LOST in ALLOWED_MOVES[Stage.CONTRACT]
    assert Stage.LOST not in ALLOWED_MOVES[Stage.ACTIVE]
    assert Stage.LEAD not in ALLOWED_MOVES[Stage.QUALIFIED]  # no moving backwards
    assert ALLOWED_MOVES[Stage.LOST] == {Stage.LEAD}
    # a returning client's new deal is sold again (issue 16)
    assert ALLOWED_MOVES[Stage.REPEAT] == {Stage.QUALIFIED, Stage.PROPOSAL, Stage.NEGOTIATION, Stage.CONTRACT,
                                           Stage.LOST}
    # delivery stages go one step at a time
    assert ALLOWED_MOVES[Stage.ACTIVE] == {Stage.DELIVERED}
    assert ALLOWED_MOVES[Stage.DELIVERED] == {Stage.PAID}


def test_no_move_skips_past_contract():
    for s in ORDER[:4]:
        assert Stage.ACTIVE not in ALLOWED_MOVES[s]


def test_allowed_moves_are_listed_in_pipeline_order():
    assert allowed_moves("LEAD") == ["QUALIFIED", "PROPOSAL", "NEGOTIATION", "CONTRACT", "LOST"]
