"""Small protocols through which the engine talks to the outside world.

Implementations are chosen at start-up from the settings, in the composition roots
(`bot/services.py`, `bot/app.py`), and reach the engine as typed fields of `Services`.
This module stays at the bottom of the engine: everything may import it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

if TYPE_CHECKING:  # the Architect speaks the proposal's vocabulary (catalog, draft), which stays there
    from engine.proposals.architect import Draft, DraftRequest
    from engine.proposals.catalog import Catalog


class Notifier(Protocol):
    """Tells people something (Slack in production; a log line when Slack is off)."""

    async def post(self, channel: str | None, text: str, *, blocks: list[dict[str, Any]] | None = None,
                   thread_ts: str | None = None, key: str | None = None) -> str | None: ...


class Queue(Protocol):
    """Runs a named job later. `job_id` makes enqueueing idempotent."""

    async def enqueue(self, function: str, *args: Any, job_id: str | None = None,
                      defer_seconds: float | None = None) -> str | None: ...


class Cache(Protocol):
    async def get(self, key: str) -> Any | None: ...

    async def set(self, key: str, value: Any, ttl_seconds: int) -> None: ...

    async def delete_prefix(self, prefix: str) -> None: ...


class VoteBoard(Protocol):
    """Where a vote is shown to people (Slack's Block Kit message, or plain notices)."""

    async def publish(self, vote_id: int) -> None:
        """Show a newly opened vote (once) and remember where it is shown."""

    async def refresh(self, vote_id: int) -> None:
        """Redraw the vote with its current tally, voters and decision."""

    async def announce(self, vote_id: int, text: str, key: str) -> None:
        """Say something about the vote next to it (a thread reply), at most once per key."""


@dataclass(frozen=True, slots=True)
class InvoiceRequest:
    """One of our invoice rows, flushed but not committed, as a provider needs it."""

    invoice_id: int
    invoice_number: str
    # Stable across retries of the same logical invoice (e.g. "project:7:milestone:2"):
    # providers derive their own idempotency keys from it, never from the row id.
    idempotency_key: str
    amount: Decimal
    currency: str
    description: str
    days_until_due: int
    client_id: int
    client_name: str
    client_email: str
    client_metadata: dict[str, Any] = field(default_factory=dict)
    project_id: int = 0


@dataclass(frozen=True, slots=True)
class ProviderInvoice:
    method: str  # "stripe" or "bank_transfer"
    payment_link: str
    provider_invoice_id: str | None = None
    # Keys to merge into the client's metadata (e.g. the Stripe customer id).
    client_metadata: dict[str, Any] = field(default_factory=dict)


class PaymentProvider(Protocol):
    """How an issued invoice reaches the client: Stripe's hosted invoice, or the manual pay page."""

    name: str

    async def issue(self, request: InvoiceRequest) -> ProviderInvoice:
        """Make the invoice payable. Idempotent: the same request twice gives the same invoice."""
        ...

    async def mark_paid_out_of_band(self, provider_invoice_id: str, idempotency_key: str) -> None:
        """Finance recorded the payment themselves: stop the provider from collecting it again."""
        ...

    async def close(self) -> None: ...


class Architect(Protocol):
    """Drafts a proposal's prose and deliverables with hours (never prices): offline, or a model."""

    name: str

    async def draft(self, request: DraftRequest, catalog: Catalog) -> Draft: ...


class MilestoneBrief(BaseModel):
    project_id: int
    project_title: str
    client_name: str
    client_company: str | None
    scope: str | None
    description: str | None
    deliverables: list[str]
    timeline: str | None
    milestone_id: int
    milestone_seq: int
    milestone_name: str
    milestone_description: str | None
    milestone_due_at: datetime | None
    milestone_count: int


class Document(BaseModel):
    name: str
    content: str
    media_type: str = "text/markdown"


class BuildWriter(Protocol):
    """Writes a milestone's deliverable documents during a build."""

    async def write(self, brief: MilestoneBrief) -> list[Document]:
        """The documents that deliver this milestone. Must not have side effects: a build may
        call it again for the same milestone after a crash."""
        ...


class ErrorRate(Protocol):
    """Share of the server's recent answers that were errors (None: too few to tell)."""

    async def __call__(self) -> float | None: ...


class RateLimiter(Protocol):
    """A sliding-window limit per key (public forms): in this process, or in Redis."""

    async def hit(self, key: str) -> float:
        """Count one request under `key`: 0 when allowed, else seconds until one would be."""
        ...


class Agent(Protocol):
    """The conversational agent (`tools/agent.py`), built once per process; the engine never runs it."""

    async def run(self, deps: Any, prompt: str | None, history: list[Any], deferred: Any = None) -> Any: ...


class NewLead(BaseModel):
    """What the team is told about a lead that came from outside: the facts, not how they look."""

    lead_id: int
    source: str
    name: str
    email: str
    company: str | None = None
    budget: Decimal | None = None
    currency: str
    budget_range: str | None = None
    country: str | None = None
    referrer: str | None = None
    requirements: str | None = None


class LeadAnnouncer(Protocol):
    """Shows a new lead to the team. `Services.lead_announcer` holds the one chosen at start-up
    (Slack's draws a card, `bot/slack/announcer.py`); without one, `engine.sources.intake.NotifierLeadAnnouncer`."""

    async def announce(self, lead: NewLead, key: str) -> None: ...


class LogNotifier:
    """Used when Slack is off: messages go to the log, so nothing is silently lost."""

    def __init__(self) -> None:
        self.log = logging.getLogger("grace.notify")
        self.sent: list[dict[str, Any]] = []

    async def post(self, channel: str | None, text: str, *, blocks: list[dict[str, Any]] | None = None,
                   thread_ts: str | None = None, key: str | None = None) -> str | None:
        self.sent.append({"channel": channel, "text": text, "thread_ts": thread_ts, "key": key})
        self.log.info("notify %s: %s", channel or "-", text)
        return None
