"""Request dependencies: the services, the caller (from a bearer API key), a unit of work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request

from engine.actors import Actor
from engine.context import Services, unit_of_work
from engine.errors import Unauthenticated
from engine.team import authenticate_api_key

T = TypeVar("T")


# Dependencies are `async def` on purpose: FastAPI runs plain `def` dependencies in a thread pool.
async def get_services(request: Request) -> Services:
    return request.app.state.services


async def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        cookie = request.cookies.get("grace_key", "")
        if cookie:
            return cookie
        raise Unauthenticated("An API key is required: send 'Authorization: Bearer <key>'.")
    return token.strip()


async def get_actor(request: Request, services: Annotated[Services, Depends(get_services)]) -> Actor:
    token = await bearer_token(request)
    async with services.session_factory() as session:
        return await authenticate_api_key(session, token)


async def run_op(services: Services, actor: Actor, op: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
    """One engine operation in one unit of work, committed before the response is built."""
    async with unit_of_work(services, actor) as ctx:
        return await op(ctx, *args, **kwargs)


ServicesDep = Annotated[Services, Depends(get_services)]
ActorDep = Annotated[Actor, Depends(get_actor)]
