"""Website forms: their records, the mapping of a submission to a lead, and rejection counters."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from engine.context import OperationContext
from engine.errors import GraceError, InvalidInput, NotFound
from engine.pipeline.schemas import LeadInput, LeadSource
from engine.sources.intake import IntakeResult, intake_lead
from storage.models import FormRejection, LeadForm
from storage.types import utcnow

# The form fields we map to a lead; anything else a page adds is kept as a custom field.
FIELD_MAP = {
    "name": "name", "full_name": "name", "email": "email", "company": "company", "phone": "phone",
    "message": "requirements", "requirements": "requirements", "budget": "budget", "timeline": "timeline",
    "country": "country", "referrer": "referrer", "referred_by": "referrer", "project_type": "project_type",
}
HONEYPOT = "homepage"
TOKEN_FIELD = "_grace_token"
MAX_EXTRA_FIELDS = 20
MAX_EXTRA_LENGTH = 1000
REJECTION_REASONS = ("honeypot", "too_fast", "bad_token", "origin", "rate_limited", "too_large", "invalid", "revoked")


class FormNotFound(NotFound):
    def __init__(self, public_id: str) -> None:
        super().__init__("There is no such form.", form_id=public_id[:64])


class FormRevoked(GraceError):
    status = 410
    code = "form_revoked"

    def __init__(self) -> None:
        super().__init__("This form no longer accepts submissions.")


class FormSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    allowed_origins: list[str] = Field(default_factory=list, max_length=50,
                                       description="Pages allowed to post: scheme://host[:port].")
    redirect_url: str | None = Field(default=None, max_length=2000)
    thank_you: str | None = Field(default=None, max_length=2000)

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, v: list[str]) -> list[str]:
        return sorted({normalize_origin(o) for o in v})

    @field_validator("redirect_url")
    @classmethod
    def _redirect(cls, v: str | None) -> str | None:
        if v and urlsplit(v).scheme not in ("http", "https"):
            raise ValueError("the redirect must be an http(s) URL")
        return v or None


def normalize_origin(value: str) -> str:
    """'https://Example.com/contact' -> 'https://example.com' (what browsers send as Origin)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an origin like https://example.com")
    default = {"http": 80, "https": 443}[parts.scheme]
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


class FormView(BaseModel):
    id: int
    public_id: str
    name: str
    allowed_origins: list[str]
    redirect_url: str | None
    thank_you: str | None
    created_at: datetime
    revoked_at: datetime | None
    rejections: dict[str, int] = Field(default_factory=dict)


def _view(form: LeadForm, rejections: dict[str, int] | None = None) -> FormView:
    return FormView(id=form.id, public_id=form.public_id, name=form.name, allowed_origins=list(form.allowed_origins),
                    redirect_url=form.redirect_url, thank_you=form.thank_you, created_at=form.created_at,
                    revoked_at=form.revoked_at, rejections=rejections or {})


async def create_form(ctx: OperationContext, spec: FormSpec) -> FormView:
    ctx.check_policy("manage_forms")
    form = LeadForm(public_id="f_" + secrets.token_urlsafe(12), name=spec.name, allowed_origins=spec.allowed_origins,
                    redirect_url=spec.redirect_url, thank_you=spec.thank_you, created_by=ctx.actor.label)
    ctx.session.add(form)
    await ctx.session.flush()
    ctx.audit("form.created", f"form:{form.public_id}", name=spec.name, allowed_origins=spec.allowed_origins)
    return _view(form)


async def revoke_form(ctx: OperationContext, public_id: str) -> FormView:
    ctx.check_policy("manage_forms")
    form = await find_form(ctx.session, public_id)
    if form.revoked_at is None:
        form.revoked_at = utcnow()
        await ctx.session.flush()
        ctx.audit("form.revoked", f"form:{form.public_id}")
    return _view(form)


async def list_forms(ctx: OperationContext) -> list[FormView]:
    ctx.check_policy("view_forms")
    forms = (await ctx.session.execute(select(LeadForm).order_by(LeadForm.id))).scalars().all()
    counts: dict[int, dict[str, int]] = {}
    for r in (await ctx.session.execute(select(FormRejection))).scalars():
        counts.setdefault(r.form_id, {})[r.reason] = r.count
    return [_view(f, counts.get(f.id)) for f in forms]


async def find_form(session: AsyncSession, public_id: str) -> LeadForm:
    form = (await session.execute(select(LeadForm).where(LeadForm.public_id == public_id[:64]))).scalar_one_or_none()
    if form is None:
        raise FormNotFound(public_id)
    return form


async def count_rejection(session: AsyncSession, form_id: int, reason: str) -> None:
    """Add one to the form's counter for this reason (an atomic upsert; the caller commits)."""
    assert reason in REJECTION_REASONS, reason
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(FormRejection).values(form_id=form_id, reason=reason, count=1, last_at=utcnow())
    stmt = stmt.on_conflict_do_update(index_elements=["form_id", "reason"],
                                      set_={"count": FormRejection.count + 1, "last_at": stmt.excluded.last_at})
    await session.execute(stmt)


def submission_to_lead(fields: Mapping[str, Any]) -> LeadInput:
    """Map a website form's fields to a lead; unknown fields are kept as custom fields.

    Raises InvalidInput naming the first bad field.
    """
    data: dict[str, Any] = {"source": LeadSource.WEBSITE.value}
    extra: dict[str, str] = {}
    for key, raw in fields.items():
        if key in (HONEYPOT, TOKEN_FIELD) or raw is None:
            continue
        value = str(raw).strip()
        if not value:
            continue
        target = FIELD_MAP.get(key.lower())
        if target:
            data.setdefault(target, value)
        elif len(extra) < MAX_EXTRA_FIELDS and len(key) <= 64:
            extra[key] = value[:MAX_EXTRA_LENGTH]
    if "name" not in data and "email" in data:
        data["name"] = data["email"].split("@")[0]
    if extra:
        data["metadata"] = {"form_fields": extra}
    try:
        return LeadInput(**data)
    except ValidationError as e:
        err = e.errors()[0]
        field = ".".join(str(p) for p in err.get("loc", ())) or "form"
        if field == "requirements":
            field = "message"
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        raise InvalidInput(f"{field}: {msg}", field=field) from None


async def submit_form(ctx: OperationContext, form: LeadForm, data: LeadInput, *,
                      submission_key: str | None = None) -> IntakeResult:
    """A checked submission of a live form becomes a website lead (the edge ran the abuse checks).

    `submission_key` identifies one rendering of the form: posting it twice (a double click,
    a resent request) returns the first result instead of a second lead.
    """
    if form.revoked_at is not None:
        raise FormRevoked()
    data = data.model_copy(update={"metadata": {**data.metadata, "form": form.public_id, "form_name": form.name}})
    return await intake_lead(ctx, data, external_id=submission_key, kind="form")
