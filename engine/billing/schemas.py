"""Inputs and results of the billing operations."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from engine.pipeline.schemas import DecimalStr


class PaymentResult(BaseModel):
    """What `collect_payment` answers: the invoice and where the client pays it."""

    invoice_id: int
    invoice_number: str
    amount: DecimalStr
    currency: str
    status: str
    due_at: datetime | None
    payment_link: str | None
    already_existed: bool = Field(default=False, description="True when this thing was invoiced before.")
    emailed_to: str | None = None


class InvoiceView(BaseModel):
    id: int
    invoice_number: str
    project_id: int
    client_id: int
    milestone: int | None = Field(description="The milestone's number in the plan, or null for a balance invoice.")
    amount: DecimalStr
    currency: str
    status: str
    issued_at: datetime
    due_at: datetime | None
    paid_at: datetime | None
    payment_method: str | None
    payment_link: str | None
    provider_invoice_id: str | None
    transaction_id: str | None


class MarkPaidInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reference: str = Field(min_length=1, max_length=128,
                           description="The bank transfer's reference or other proof of payment.")
    paid_at: datetime | None = Field(default=None, description="When the money arrived; now if omitted.")


class SettleResult(BaseModel):
    invoice_id: int
    invoice_number: str
    status: str
    paid_at: datetime | None
    transaction_id: str | None
    newly_paid: bool
    project_fully_paid: bool = False


class ReminderReport(BaseModel):
    overdue: int
    reminded: list[str]
    outstanding: DecimalStr
    currency: str


class PayPage(BaseModel):
    """What the client sees on the manual pay page."""

    invoice_number: str
    client_name: str
    project_title: str
    amount: DecimalStr
    currency: str
    status: str
    issued_at: datetime
    due_at: datetime | None
    paid_at: datetime | None
    bank_details: list[str]
