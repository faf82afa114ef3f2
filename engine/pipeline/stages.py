"""The stages of a lead and the one table of allowed moves."""

from __future__ import annotations

from enum import StrEnum

from engine.errors import InvalidInput


class Stage(StrEnum):
    LEAD = "LEAD"
    QUALIFIED = "QUALIFIED"
    PROPOSAL = "PROPOSAL"
    NEGOTIATION = "NEGOTIATION"
    CONTRACT = "CONTRACT"
    ACTIVE = "ACTIVE"
    DELIVERED = "DELIVERED"
    PAID = "PAID"
    REPEAT = "REPEAT"
    LOST = "LOST"


ORDER: list[Stage] = [
    Stage.LEAD, Stage.QUALIFIED, Stage.PROPOSAL, Stage.NEGOTIATION, Stage.CONTRACT,
    Stage.ACTIVE, Stage.DELIVERED, Stage.PAID, Stage.REPEAT,
]
RANK: dict[str, int] = {s.value: i for i, s in enumerate(ORDER)}
# LOST is allowed from any stage before ACTIVE, and from REPEAT (a returning client's new deal).
LOSABLE = frozenset(ORDER[: ORDER.index(Stage.ACTIVE)]) | {Stage.REPEAT}
WON = frozenset(ORDER[ORDER.index(Stage.CONTRACT):])
OPEN = frozenset(ORDER[: ORDER.index(Stage.CONTRACT)])


def _build_moves() -> dict[Stage, frozenset[Stage]]:
    moves: dict[Stage, set[Stage]] = {s: set() for s in Stage}
    for i, s in enumerate(ORDER[:-1]):
        # Forward to any later stage up to the next milestone a person decides:
        # a sale may skip steps (a referral can go straight to a proposal), but
        # delivery stages (ACTIVE onwards) are reached one at a time.
        limit = ORDER.index(Stage.CONTRACT) if i < ORDER.index(Stage.CONTRACT) else i + 1
        for t in ORDER[i + 1 : limit + 1]:
            moves[s].add(t)
    # A returning client's new project (the lead a promoter's NPS answer opens) is sold like a new lead:
    # qualified, proposed, negotiated, signed (CONTRACT), then delivered one step at a time.
    moves[Stage.REPEAT] |= {Stage.QUALIFIED, Stage.PROPOSAL, Stage.NEGOTIATION, Stage.CONTRACT}
    for s in LOSABLE:
        moves[s].add(Stage.LOST)
    moves[Stage.LOST].add(Stage.LEAD)  # reopening: admin only, checked by the operation
    return {k: frozenset(v) for k, v in moves.items()}


ALLOWED_MOVES: dict[Stage, frozenset[Stage]] = _build_moves()


def allowed_moves(stage: str) -> list[str]:
    return sorted((s.value for s in ALLOWED_MOVES[Stage(stage)]), key=lambda v: RANK.get(v, 99))


def parse_stage(value: str) -> Stage:
    try:
        return Stage(value.strip().upper())
    except ValueError:
        raise InvalidInput(
            f"Unknown stage {value!r}. Stages are: {', '.join(s.value for s in Stage)}.", field="stage"
        ) from None
