"""Request dependencies: the services, the caller (a bearer API key, or the dashboard's session
cookie: reads only, or writes carrying the session's CSRF token), a unit of work."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request

from engine.actors import Actor
from engine.context import Services, unit_of_work
from engine.errors import PolicyDenied, Unauthenticated
from engine.team import authenticate_api_key, authenticate_dashboard_session
from storage.models import DashboardSession

SESSION_COOKIE = "grace_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

T = TypeVar("T")


# Dependencies are `async def` on purpose: FastAPI runs plain `def` dependencies in a thread pool.
async def get_services(request: Request) -> Services:
    return request.app.state.services


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def dashboard_session(services: Services, token: str) -> tuple[Actor, DashboardSession] | None:
    """The live dashboard session behind a cookie's token, or None."""
    try:
        async with services.session_factory() as session:
            return await authenticate_dashboard_session(session, token)
    except Unauthenticated:
        return None


def csrf_ok(request: Request, row: DashboardSession, sent: str | None = None) -> bool:
    value = sent if sent is not None else request.headers.get(CSRF_HEADER, "")
    return bool(value) and secrets.compare_digest(value.encode(), row.csrf_token.encode())


async def get_actor(request: Request, services: Annotated[Services, Depends(get_services)]) -> Actor:
    """A bearer API key; else the dashboard's session cookie, for a write only with its CSRF token."""
    token = bearer_token(request)
    if token is not None:
        async with services.session_factory() as session:
            return await authenticate_api_key(session, token)
    cookie = request.cookies.get(SESSION_COOKIE, "")
    if not cookie:
        raise Unauthenticated("An API key is required: send 'Authorization: Bearer <key>'.")
    found = await dashboard_session(services, cookie)
    if found is None:
        raise Unauthenticated("The dashboard session has ended: sign in again, or send 'Authorization: Bearer <key>'.")
    actor, row = found
    if request.method not in SAFE_METHODS and not csrf_ok(request, row):
        raise PolicyDenied("csrf", actor.role.value, "A write with the dashboard's cookie needs its CSRF token "
                           "in the X-CSRF-Token header.", rule="session.csrf")
    return actor


async def run_op(services: Services, actor: Actor, op: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
    """One engine operation in one unit of work, committed before the response is built."""
    async with unit_of_work(services, actor) as ctx:
        return await op(ctx, *args, **kwargs)


ServicesDep = Annotated[Services, Depends(get_services)]
ActorDep = Annotated[Actor, Depends(get_actor)]
