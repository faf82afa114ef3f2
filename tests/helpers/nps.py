"""Helpers for the satisfaction tests: delivered projects made directly with the models, an SMTP sink."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from sqlalchemy import func, select

from engine.context import Services
from storage.models import AuditEntry, Client, Interaction, Lead, LeadStageHistory, NpsSurvey, Project
from storage.types import utcnow


@dataclass
class Delivered:
    client_id: int
    lead_id: int
    project_id: int


async def delivered_project(services: Services, *, language: str | None = None, title: str = "Support chatbot",
                            owner: str | None = None, status: str = "delivered",
                            client_id: int | None = None) -> Delivered:
    """A client, a lead at DELIVERED and its delivered project, as the delivery feature leaves them."""
    now = utcnow()
    async with services.session_factory() as session:
        if client_id is None:
            email = f"client.{uuid.uuid4().hex[:8]}@example.com"
            client = Client(name="Grace Hopper", email=email, email_normalized=email, company="Navy Labs",
                            metadata_={"language": language} if language else {})
            session.add(client)
            await session.flush()
            client_id = client.id
        lead = Lead(client_id=client_id, source="website", stage="DELIVERED", budget=Decimal("12000"),
                    project_type="chatbot", closed_at=now - timedelta(days=20),
                    metadata_={"owner": owner} if owner else {})
        session.add(lead)
        await session.flush()
        session.add(LeadStageHistory(lead_id=lead.id, from_stage="ACTIVE", to_stage="DELIVERED", actor="test"))
        project = Project(client_id=client_id, lead_id=lead.id, title=title, status=status, price=Decimal("12000"),
                          started_at=now - timedelta(days=40), completed_at=now - timedelta(days=1))
        session.add(project)
        await session.commit()
        return Delivered(client_id, lead.id, project.id)


async def count(services: Services, model: Any, *where: Any) -> int:
    async with services.session_factory() as session:
        return int((await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def snapshot(services: Services) -> dict[str, int]:
    """Row counts that must not move when a request is refused."""
    return {
        "audit": await count(services, AuditEntry),
        "interactions": await count(services, Interaction),
        "answered": await count(services, NpsSurvey, NpsSurvey.status == "answered"),
        "leads": await count(services, Lead),
        "scored_projects": await count(services, Project, Project.nps_score.is_not(None)),
    }


async def get(services: Services, model: Any, id_: int) -> Any:
    async with services.session_factory() as session:
        return await session.get(model, id_)


@dataclass
class SmtpSink:
    """Messages received by a local SMTP server (aiosmtpd)."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's hook name)
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"
