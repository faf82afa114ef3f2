"""Lead forms: a form made through its operation, a client from an allowed origin, a filled-in body."""

from __future__ import annotations

import time
import uuid

import httpx
from sqlalchemy import select

from bot.app import create_app
from engine.sources.forms import FormSpec, create_form
from engine.sources.guard import issue_form_token
from storage.models import Lead
from tests.conftest import ADMIN, op


def old_token(services, public_id, age=10.0):
    return issue_form_token(services.settings.resolved_secret_key(), public_id, issued_at=time.time() - age)


async def make_form(services, **kw):
    return await op(services, ADMIN, create_form, FormSpec(name="Contact us", **kw))


def client_for(services, ip="203.0.113.7"):
    transport = httpx.ASGITransport(app=create_app(services=services), client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://grace.test")


def fields(services, form, **over):
    data = {"name": "Jane Doe", "email": f"jane.{uuid.uuid4().hex[:8]}@acme.io", "company": "Acme",
            "message": "We need a Shopify rebuild with a custom checkout.", "budget": "$12k",
            "referrer": "Bob Smith", "homepage": "", "_grace_token": old_token(services, form.public_id)}
    data.update(over)
    return data


async def leads(services):
    async with services.session_factory() as s:
        return (await s.execute(select(Lead).order_by(Lead.id))).scalars().all()
