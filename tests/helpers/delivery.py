"""Small factories for delivery and Parliament tests: projects with milestones, approvers."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from engine.actors import Actor, Role
from engine.context import Services
from storage.models import Client, Lead, Milestone, Project, TeamMember


async def make_project(services: Services, price: str = "12000", milestones: int = 3,
                       lead_stage: str | None = "CONTRACT", **overrides: Any) -> int:
    """A priced project with its plan; by default its client accepted the proposal (the fact that
    put the lead at CONTRACT): pass proposal_approved=False for one nobody signed."""
    overrides.setdefault("proposal_approved", True)
    async with services.session_factory() as s:
        tag = uuid.uuid4().hex[:8]
        client = Client(name=f"Grace Hopper {tag}", email=f"grace.{tag}@example.com",
                        email_normalized=f"grace.{tag}@example.com", company="Cobol Works")
        s.add(client)
        await s.flush()
        lead_id = None
        if lead_stage:
            lead = Lead(client_id=client.id, source="website", stage=lead_stage, budget=Decimal(price))
            s.add(lead)
            await s.flush()
            lead_id = lead.id
        project = Project(client_id=client.id, lead_id=lead_id, title=f"Support chatbot {tag}",
                          description="A support chatbot with CRM integration", scope="Chatbot, CRM sync, handover",
                          deliverables={"items": [{"name": "Chatbot", "description": "answers support questions"},
                                                  "CRM integration", "Runbook"]},
                          timeline={"weeks": 8, "start": "2026-12-01"}, price=Decimal(price), status="proposed",
                          **overrides)
        s.add(project)
        await s.flush()
        share = Decimal(1) / milestones if milestones else Decimal(0)
        for i in range(1, milestones + 1):
            s.add(Milestone(project_id=project.id, seq=i, name=["Discovery", "Build", "Launch", "Handover",
                                                                "Support"][(i - 1) % 5] + (f" {i}" if i > 5 else ""),
                            share=share.quantize(Decimal("0.000001")), amount=(Decimal(price) * share).quantize(
                                Decimal("0.01"))))
        await s.commit()
        return project.id


async def make_members(services: Services, role: str, count: int, prefix: str = "UAPP") -> list[str]:
    ids = [f"{prefix}{i:03d}" for i in range(1, count + 1)]
    async with services.session_factory() as s:
        for uid in ids:
            s.add(TeamMember(slack_user_id=uid, name=f"Member {uid}", role=role))
        await s.commit()
    return ids


def member(slack_id: str, role: Role = Role.APPROVER) -> Actor:
    return Actor(kind="team_member", ref=slack_id, role=role, name=f"Member {slack_id}")


DELIVERY = Actor(kind="test", ref="delivery", role=Role.DELIVERY, name="Test Delivery")
