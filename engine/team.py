"""Team members and API keys: who may act, with which role."""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from engine.actors import ASSIGNABLE_ROLES, Actor, Role
from engine.context import OperationContext
from engine.errors import InvalidInput, Unauthenticated
from storage.models import ApiKey, DashboardSession, TeamMember
from storage.types import utcnow

KEY_PREFIX = "grace_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def parse_role(role: str) -> Role:
    if role not in ASSIGNABLE_ROLES:
        raise InvalidInput(f"Unknown role {role!r}; roles are {', '.join(ASSIGNABLE_ROLES)}.", field="role")
    return Role(role)


class NewApiKey(BaseModel):
    id: int
    name: str
    role: str
    key: str
    member: str | None = None


async def _member_row(session: AsyncSession, slack_user_id: str) -> TeamMember:
    row = (await session.execute(select(TeamMember).where(
        TeamMember.slack_user_id == slack_user_id.strip(), TeamMember.active.is_(True)))).scalar_one_or_none()
    if row is None:
        raise InvalidInput(f"There is no active team member {slack_user_id.strip()[:32]!r}; add them with "
                           "`grace team add` first.", field="member")
    return row


async def create_api_key(ctx: OperationContext, name: str, role: str, member: str | None = None) -> NewApiKey:
    """A new key; only its hash is stored, so the key is shown once. `member` (a Slack user id)
    links the key to a team member: votes cast with it are that member's one vote."""
    ctx.check_policy("manage_team")
    r = parse_role(role)
    if not name.strip() or len(name) > 200:
        raise InvalidInput("An API key needs a name of 1 to 200 characters.", field="name")
    linked = await _member_row(ctx.session, member) if member else None
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(name=name.strip(), role=r.value, prefix=key[:12], key_hash=hash_key(key),
                 member_id=linked.id if linked else None)
    ctx.session.add(row)
    await ctx.session.flush()
    ctx.audit("apikey.created", f"apikey:{row.id}", name=row.name, role=row.role,
              member=linked.slack_user_id if linked else None)
    return NewApiKey(id=row.id, name=row.name, role=row.role, key=key,
                     member=linked.slack_user_id if linked else None)


async def link_api_key(ctx: OperationContext, key_id: int, member: str) -> None:
    """Link a key to a team member (their vote, whichever way they cast it)."""
    ctx.check_policy("manage_team")
    row = await ctx.session.get(ApiKey, key_id)
    if row is None:
        raise InvalidInput(f"There is no API key #{key_id}.", field="id")
    linked = await _member_row(ctx.session, member)
    row.member_id = linked.id
    _forget(key_id)
    ctx.audit("apikey.linked", f"apikey:{key_id}", member=linked.slack_user_id)


# Verified keys are remembered briefly so a busy client does not cost a query per request;
# a revoked key stops working within this many seconds (and at once in this process).
AUTH_CACHE_SECONDS = 30.0
_verified: dict[str, tuple[float, Actor]] = {}


async def authenticate_api_key(session: AsyncSession, key: str) -> Actor:
    if not key:
        raise Unauthenticated("An API key is required: send 'Authorization: Bearer <key>'.")
    digest = hash_key(key)
    hit = _verified.get(digest)
    if hit and hit[0] > time.monotonic():
        return hit[1]
    found = (await session.execute(
        select(ApiKey, TeamMember.slack_user_id, TeamMember.active)
        .outerjoin(TeamMember, TeamMember.id == ApiKey.member_id).where(ApiKey.key_hash == digest))).first()
    if found is None or found[0].revoked_at is not None:
        _verified.pop(digest, None)
        raise Unauthenticated("The API key is not valid.")
    row, member, active = found
    actor = Actor(kind="api_key", ref=str(row.id), role=Role(row.role), name=row.name,
                  member=member if member and active else None)
    if len(_verified) > 10_000:
        _verified.clear()
    _verified[digest] = (time.monotonic() + AUTH_CACHE_SECONDS, actor)
    now = utcnow()
    # Touch at most once a minute: a hot key must not turn every read into a write.
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        row.last_used_at = now
        await session.commit()
    return actor


async def revoke_api_key(ctx: OperationContext, key_id: int) -> None:
    ctx.check_policy("manage_team")
    row = await ctx.session.get(ApiKey, key_id)
    if row is None:
        raise InvalidInput(f"There is no API key #{key_id}.", field="id")
    row.revoked_at = utcnow()
    _forget(key_id)
    ctx.audit("apikey.revoked", f"apikey:{key_id}", name=row.name)


def _forget(key_id: int) -> None:
    for digest in [d for d, (_, a) in _verified.items() if a.kind == "api_key" and a.ref == str(key_id)]:
        _verified.pop(digest, None)


class ApiKeyView(BaseModel):
    id: int
    name: str
    role: str
    prefix: str
    last_used_at: datetime | None
    revoked: bool


async def list_api_keys(ctx: OperationContext) -> list[ApiKeyView]:
    ctx.check_policy("manage_team")
    rows = (await ctx.session.execute(select(ApiKey).order_by(ApiKey.id))).scalars().all()
    return [ApiKeyView(id=r.id, name=r.name, role=r.role, prefix=r.prefix, last_used_at=r.last_used_at,
                       revoked=r.revoked_at is not None) for r in rows]


class TeamMemberView(BaseModel):
    id: int
    slack_user_id: str
    name: str
    role: str


async def add_team_member(ctx: OperationContext, slack_user_id: str, name: str, role: str) -> TeamMemberView:
    """Add a member, or change the name and role of an existing one."""
    ctx.check_policy("manage_team")
    r = parse_role(role)
    slack_user_id = slack_user_id.strip()
    if not slack_user_id or len(slack_user_id) > 32:
        raise InvalidInput("A Slack user id looks like U012ABCDEF.", field="slack_user_id")
    row = (await ctx.session.execute(select(TeamMember).where(TeamMember.slack_user_id == slack_user_id))).scalar_one_or_none()
    if row is None:
        row = TeamMember(slack_user_id=slack_user_id, name=name.strip() or slack_user_id, role=r.value)
        ctx.session.add(row)
    else:
        row.name, row.role, row.active = name.strip() or row.name, r.value, True
    await ctx.session.flush()
    ctx.audit("team.member_set", f"member:{slack_user_id}", name=row.name, role=row.role)
    return TeamMemberView(id=row.id, slack_user_id=row.slack_user_id, name=row.name, role=row.role)


NOT_ON_THE_TEAM = ("You are not on Grace's team yet, so I can only help with how to use me. Ask an admin to "
                   "add you: `grace team add {user} --name \"Your Name\" --role sales` (or another role).")


async def actor_for_slack_user(session: AsyncSession, slack_user_id: str, *, guest: bool = False,
                               external: bool = False) -> Actor:
    """The team member behind a Slack user, with their role. Everyone else has no role
    (`Role.NONE`: every action refused, only help): people who are not active team members,
    workspace guests (`guest`: Slack's is_restricted / is_ultra_restricted) and external
    Slack Connect users (`external`: from another workspace, or is_stranger), even when a
    team member row names them."""
    row = (await session.execute(
        select(TeamMember).where(TeamMember.slack_user_id == slack_user_id, TeamMember.active.is_(True))
    )).scalar_one_or_none()
    if row is None or guest or external:
        return Actor(kind="team_member", ref=slack_user_id, role=Role.NONE, name=slack_user_id)
    return Actor(kind="team_member", ref=slack_user_id, role=Role(row.role), name=row.name)


def has_role(actor: Actor) -> bool:
    """False for someone with no role: answer them with `NOT_ON_THE_TEAM` and nothing else."""
    return actor.role != Role.NONE


# Dashboard sessions: signing in exchanges an API key for a random token kept in an HTTP-only
# cookie; only the token's hash is stored. A session ends at its expiry, at logout, or when its
# key is revoked. Writes made with the cookie need the session's CSRF token as well. Sessions that
# ended more than ENDED_SESSIONS_KEPT ago are deleted at the next sign-in (the audit log keeps the
# sign-in and sign-out); within it, a stale cookie is told its session has ended, not that it is unknown.
SESSION_TOKEN_BYTES = 32
ENDED_SESSIONS_KEPT = timedelta(days=1)


class NewDashboardSession(BaseModel):
    id: int
    token: str
    csrf_token: str
    expires_at: datetime


async def open_dashboard_session(ctx: OperationContext, hours: float) -> NewDashboardSession:
    """A new session for the API key that is acting (`ctx.actor`); audited."""
    if ctx.actor.kind != "api_key":
        raise InvalidInput("The dashboard is signed in to with an API key.", field="key")
    now = utcnow()
    gone = now - ENDED_SESSIONS_KEPT
    await ctx.session.execute(delete(DashboardSession).where(
        or_(DashboardSession.expires_at <= gone, DashboardSession.revoked_at <= gone)))
    token = secrets.token_urlsafe(SESSION_TOKEN_BYTES)
    row = DashboardSession(token_hash=hash_key(token), csrf_token=secrets.token_urlsafe(24),
                           api_key_id=int(ctx.actor.ref), expires_at=now + timedelta(hours=hours))
    ctx.session.add(row)
    await ctx.session.flush()
    ctx.audit("dashboard.signed_in", f"apikey:{ctx.actor.ref}", session=row.id, expires_at=row.expires_at)
    return NewDashboardSession(id=row.id, token=token, csrf_token=row.csrf_token, expires_at=row.expires_at)


async def authenticate_dashboard_session(session: AsyncSession, token: str) -> tuple[Actor, DashboardSession]:
    """The actor behind a live session (not expired, not revoked, its key not revoked)."""
    if not token or len(token) > 200:
        raise Unauthenticated("Sign in again: the dashboard session is missing.")
    found = (await session.execute(
        select(DashboardSession, ApiKey, TeamMember.slack_user_id, TeamMember.active)
        .join(ApiKey, ApiKey.id == DashboardSession.api_key_id)
        .outerjoin(TeamMember, TeamMember.id == ApiKey.member_id)
        .where(DashboardSession.token_hash == hash_key(token)))).first()
    if found is None:
        raise Unauthenticated("Sign in again: the dashboard session is not valid.")
    row, key, member, active = found
    if row.revoked_at is not None or key.revoked_at is not None or row.expires_at <= utcnow():
        raise Unauthenticated("Sign in again: the dashboard session has ended.")
    actor = Actor(kind="api_key", ref=str(key.id), role=Role(key.role), name=key.name,
                  member=member if member and active else None)
    return actor, row


async def close_dashboard_session(ctx: OperationContext, token: str) -> bool:
    """Logout: the session stops working at once. False when there was no live session."""
    row = (await ctx.session.execute(select(DashboardSession).where(
        DashboardSession.token_hash == hash_key(token or "")))).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    await ctx.session.flush()
    ctx.audit("dashboard.signed_out", f"apikey:{row.api_key_id}", session=row.id)
    return True
