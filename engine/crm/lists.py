"""Lists of projects and invoices, filtered and a page at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Select, func, select

from engine.context import OperationContext
from engine.crm.schemas import InvoicePage, InvoiceSummary, ProjectPage, ProjectSummary
from engine.errors import InvalidInput
from engine.money import currency_code
from engine.statuses import InvoiceStatus
from storage.models import Client, Invoice, Project
from storage.types import utcnow

MAX_LIMIT = 500


def _page(limit: int, offset: int) -> tuple[int, int]:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}.", field="limit")
    if offset < 0:
        raise InvalidInput("offset cannot be negative.", field="offset")
    return limit, offset


async def _newest_first(ctx: OperationContext, stmt: Select[Any, Any], key: Any, limit: int,
                        offset: int) -> tuple[int, Sequence[Row[Any, Any]]]:
    """How many rows the filtered statement holds, and one page of them, newest first."""
    total = (await ctx.session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    rows = (await ctx.session.execute(stmt.order_by(key.desc()).limit(limit).offset(offset))).all()
    return total, rows


async def list_projects(ctx: OperationContext, *, status: str | None = None, client_id: int | None = None,
                        lead_id: int | None = None, contract_signed: bool | None = None, limit: int = 50,
                        offset: int = 0) -> ProjectPage:
    """Projects, newest first, filtered by status, client, lead and whether the contract is signed."""
    ctx.check_policy("view_projects")
    limit, offset = _page(limit, offset)
    stmt = select(Project, Client.name).join(Client, Project.client_id == Client.id)
    if status:
        stmt = stmt.where(Project.status == status.strip().lower())
    if client_id is not None:
        stmt = stmt.where(Project.client_id == client_id)
    if lead_id is not None:
        stmt = stmt.where(Project.lead_id == lead_id)
    if contract_signed is not None:
        stmt = stmt.where(Project.contract_signed.is_(contract_signed))
    total, rows = await _newest_first(ctx, stmt, Project.id, limit, offset)
    return ProjectPage(items=[ProjectSummary(
        id=p.id, title=p.title, client_id=p.client_id, client_name=name, lead_id=p.lead_id, status=p.status,
        progress=p.progress, price=p.price, currency=p.currency, contract_signed=p.contract_signed,
        actual_cost=p.actual_cost, start_date=p.start_date, end_date=p.end_date, created_at=p.created_at)
        for p, name in rows], total=total, limit=limit, offset=offset)


async def list_invoices(ctx: OperationContext, *, status: str | None = None, client_id: int | None = None,
                        project_id: int | None = None, currency: str | None = None, overdue: bool = False,
                        limit: int = 50, offset: int = 0) -> InvoicePage:
    """Invoices, newest first, filtered by status, client, project, currency, or past due and unpaid."""
    ctx.check_policy("view_invoices")
    limit, offset = _page(limit, offset)
    stmt = select(Invoice, Client.name).join(Client, Invoice.client_id == Client.id)
    if status:
        stmt = stmt.where(Invoice.status == status.strip().lower())
    if client_id is not None:
        stmt = stmt.where(Invoice.client_id == client_id)
    if project_id is not None:
        stmt = stmt.where(Invoice.project_id == project_id)
    if currency:
        try:
            stmt = stmt.where(Invoice.currency == currency_code(currency))
        except ValueError as e:
            raise InvalidInput(str(e), field="currency") from None
    if overdue:
        stmt = stmt.where(Invoice.paid_at.is_(None), Invoice.status.not_in([InvoiceStatus.PAID, InvoiceStatus.VOID]),
                          Invoice.due_at < utcnow())
    total, rows = await _newest_first(ctx, stmt, Invoice.id, limit, offset)
    return InvoicePage(items=[InvoiceSummary(
        id=i.id, invoice_number=i.invoice_number, project_id=i.project_id, client_id=i.client_id, client_name=name,
        amount=i.amount, currency=i.currency, status=i.status, issued_at=i.issued_at, due_at=i.due_at,
        paid_at=i.paid_at) for i, name in rows], total=total, limit=limit, offset=offset)
