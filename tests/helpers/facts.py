"""Facts reached through their operations, for tests that need a lead further down the pipeline.

A lead reaches CONTRACT only by the client's acceptance of a proposal (the proposal link), so
tests get there the same way: a proposal is generated, and the client accepts it.
"""

from __future__ import annotations

from engine.actors import Actor, Role
from engine.context import Services
from engine.proposals.acceptance import accept_proposal
from engine.proposals.service import generate_proposal
from tests.conftest import SALES, op

CLIENT = Actor(kind="client", ref="proposal-link", role=Role.CLIENT, name="client")


async def accepted_by_client(services: Services, lead_id: int, signed_by: str = "Ada Client",
                             budget: str | None = None) -> int:
    """Generate a proposal for the lead and accept it as the client would; returns the project id."""
    result = await op(services, SALES, generate_proposal, lead_id, budget=budget)
    token = result.proposal.link.rsplit("/", 1)[1]
    await op(services, CLIENT, accept_proposal, token, signed_by)
    return int(result.project_plan.project_id)
