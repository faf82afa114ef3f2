"""OperationContext and the unit of work.

An edge (HTTP route, Slack listener, CLI command, job) opens a unit of work, calls
one engine operation with the context and leaves. The unit of work owns the
transaction: operations only `flush()`. Audit entries are chained just before the
commit; events and outbound effects run after it, and are dropped on rollback.

A write may be deferred (`OperationContext.defer_write`, the pipeline's repository does it
for a lead's UPDATE): it runs before the next statement the session executes or flushes, or,
when it was the operation's last, at commit together with the audit entries (one statement
for both on PostgreSQL). Nothing the operation reads can miss it.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from engine.audit import PendingAudit, append_entries
from engine.cache import invalidate, invalidations_for
from engine.errors import PolicyDenied
from engine.events import InProcessEventBus, make_event
from engine.governance.policies import Policies
from engine.ports import LogNotifier

if TYPE_CHECKING:
    from decimal import Decimal

    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
    from sqlalchemy.orm import ORMExecuteState, SessionTransaction

    from engine.actors import Actor
    from engine.audit import Write
    from engine.config import Settings
    from engine.counters import OpsCounters
    from engine.events import EventBus
    from engine.governance.policies import Decision
    from engine.ports import (
        Agent,
        Architect,
        BuildWriter,
        Cache,
        ErrorRate,
        LeadAnnouncer,
        Notifier,
        PaymentProvider,
        Queue,
        RateLimiter,
        VoteBoard,
    )
    from storage.models import VoteSession

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything an operation may use besides its session. Built once at start-up."""

    settings: Settings
    db: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    events: EventBus = field(default_factory=InProcessEventBus)
    # The governance policies in force (loaded from the settings at the composition roots;
    # the default is the shipped rules with the default threshold).
    policies: Policies = field(default_factory=Policies)
    notifier: Notifier = field(default_factory=LogNotifier)
    queue: Queue | None = None
    cache: Cache | None = None
    # Counts shared by every process (Redis when configured): the API's answers, for the alert checks.
    counters: OpsCounters | None = None
    # Called with every event this process publishes (metrics, logs); must not raise.
    event_hooks: list[Callable[[dict[str, Any]], None]] = field(default_factory=list)
    # The ports below are chosen at start-up (bot/services.py, bot/app.py); None means the
    # engine's own default: plain notices, the offline Architect and writer, no error-rate alert.
    vote_board: VoteBoard | None = None
    lead_announcer: LeadAnnouncer | None = None
    # What a decided vote sets in motion (delivery's continuation).
    vote_decided: VoteDecided | None = None
    payments: PaymentProvider | None = None
    architect: Architect | None = None
    build_writer: BuildWriter | None = None
    error_rate: ErrorRate | None = None
    form_limiter: RateLimiter | None = None
    # Process-wide objects built on first use by the layers above (not read by the engine).
    agent: Agent | None = None
    dry_run_agent: Agent | None = None
    slack_client: Any = None  # bot/slack's Web API client; typed there, the engine knows no Slack
    # bot/slack's cache of who is a guest or an external user (user id -> (until, guest, external)).
    slack_identities: dict[str, Any] = field(default_factory=dict)
    conversation_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary)
    # Loaded scoring model versions by id (engine/scoring/registry.py keeps one).
    scoring_models: dict[int, Any] = field(default_factory=dict)

    @property
    def dialect(self) -> str:
        return self.db.dialect.name


Effect = Callable[[], Awaitable[Any]]
# What a decided vote sets in motion (delivery continues after its approval). Called in the
# deciding vote's transaction, so what it writes commits or rolls back with the decision.
VoteDecided = Callable[["OperationContext", "VoteSession"], Awaitable[None]]


@dataclass
class OperationContext:
    session: AsyncSession
    actor: Actor
    services: Services
    _audit: list[PendingAudit] = field(default_factory=list)
    _events: list[dict[str, Any]] = field(default_factory=list)
    _effects: list[Effect] = field(default_factory=list)

    @property
    def settings(self) -> Settings:
        return self.services.settings

    def check_policy(self, action: str, context: dict[str, Any] | None = None) -> Decision:
        """The governance check every operation starts with: raise `PolicyDenied` (or `RateLimited`)
        unless this context's actor may perform `action` now; the decision says whether a vote is due."""
        return self.services.policies.check(action, self.actor, context)

    def check_conditions(self, action: str, context: dict[str, Any], *,
                         parliament_threshold: Decimal | None = None) -> Decision:
        """`check_policy` once the operation knows its facts (amount, stage, discount, vote state),
        without counting the call against the rate limit again."""
        return self.services.policies.check_conditions(action, self.actor, context,
                                                       parliament_threshold=parliament_threshold)

    def audit(self, action: str, subject: str | None = None, **details: Any) -> None:
        self._audit.append(PendingAudit(self.actor.label, action, subject, details))

    async def defer_write(self, statement: Any, params: dict[str, Any]) -> None:
        """Run `statement` later, but before anything else reaches the database: before the next
        statement this session executes or flushes, else at commit with the audit entries (on
        PostgreSQL as a data-modifying CTE of the chain's append: one round trip for both). The
        statement must not return rows. A write already deferred runs now."""
        held = _take_deferred(self.session.sync_session)
        if held is not None:
            await self.session.execute(*held)
        self.session.sync_session.info[_DEFERRED] = (statement, params)

    def emit(self, type_: str, **data: Any) -> None:
        self._events.append(make_event(type_, data))

    def after_commit(self, effect: Effect) -> None:
        self._effects.append(effect)


@asynccontextmanager
async def unit_of_work(services: Services, actor: Actor) -> AsyncIterator[OperationContext]:
    async with services.session_factory() as session:
        ctx = OperationContext(session=session, actor=actor, services=services)
        try:
            yield ctx
            await append_entries(session, ctx._audit, _take_deferred(session.sync_session))
            await session.commit()
        except PolicyDenied as denied:
            await session.rollback()
            await record_refusal(services, actor, denied)
            raise
        except BaseException:
            await session.rollback()
            raise
    await run_after_commit(services, ctx)


_DEFERRED = "grace.deferred_write"


def _take_deferred(session: Session) -> Write | None:
    held: Write | None = session.info.pop(_DEFERRED, None)
    return held


# A deferred write runs before whatever the session sends next: a statement (the ORM's autoflush
# comes first, hence the flush hook too), an ORM flush, or a commit.
@sa_event.listens_for(Session, "do_orm_execute")
def _deferred_before_statement(state: ORMExecuteState) -> None:
    if (held := _take_deferred(state.session)) is not None:
        state.session.execute(*held)


@sa_event.listens_for(Session, "before_flush")
def _deferred_before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if (held := _take_deferred(session)) is not None:
        session.execute(*held)


@sa_event.listens_for(Session, "before_commit")
def _deferred_before_commit(session: Session) -> None:
    # The unit of work takes it first, to carry it with the audit entries; any other commit runs it.
    if (held := _take_deferred(session)) is not None:
        session.execute(*held)


@sa_event.listens_for(Session, "after_transaction_create")
def _no_savepoint_over_a_deferred_write(session: Session, transaction: SessionTransaction) -> None:
    # The SAVEPOINT is already sent when this runs: the write would land inside it and go with
    # its rollback. Refused loudly; run a statement (or `session.flush()` an object) first.
    if transaction.nested and _DEFERRED in session.info:
        raise RuntimeError("a deferred write is pending: begin_nested() would roll it back with the savepoint")


async def run_after_commit(services: Services, ctx: OperationContext) -> None:
    if services.cache is not None and ctx._events:
        stale = {p for event in ctx._events for p in invalidations_for(event)}
        for prefix in sorted(stale):
            try:
                await invalidate(services.cache, prefix)
            except Exception:
                log.exception("could not invalidate cache prefix %s", prefix)
    for event in ctx._events:
        for hook in services.event_hooks:
            try:
                hook(event)
            except Exception:
                log.exception("event hook failed")
        try:
            await services.events.publish(event)
        except Exception:
            log.exception("could not publish event %s", event.get("type"))
    for effect in ctx._effects:
        try:
            await effect()
        except Exception:
            # Effects are idempotent by key and retried by their owners; one failing
            # must not hide the committed result from the caller.
            log.exception("after-commit effect failed")


async def record_refusal(services: Services, actor: Actor, denied: PolicyDenied) -> None:
    async with services.session_factory() as session:
        await append_entries(
            session,
            [PendingAudit(actor.label, "policy.denied", denied.action,
                          {"role": denied.role, "reason": denied.message, **denied.details})],
        )
        await session.commit()
