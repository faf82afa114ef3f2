"""The statuses a project and an invoice go through, spelled once."""

from __future__ import annotations

from enum import StrEnum


class ProjectStatus(StrEnum):
    PROPOSED = "proposed"  # planned from an accepted proposal, not started
    AWAITING_APPROVAL = "awaiting_approval"  # over the threshold: Parliament votes first
    IN_PROGRESS = "in_progress"  # the build runs (or will resume)
    DELIVERED = "delivered"
    REJECTED = "rejected"  # the vote said no
    FAILED = "failed"  # the build gave up after its tries
    CANCELLED = "cancelled"


class InvoiceStatus(StrEnum):
    ISSUED = "issued"
    OVERDUE = "overdue"
    PAYMENT_FAILED = "payment_failed"
    PAID = "paid"
    VOID = "void"


# An invoice the client may still pay.
PAYABLE = frozenset({InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE, InvoiceStatus.PAYMENT_FAILED})
