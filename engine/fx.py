"""Exchange rates the agency sets, and sums and comparisons that never mix currencies.

A rate says what one unit of a currency is worth in the agency's currency (GRACE_CURRENCY):
`grace fx set EUR 1.08` means 1 EUR = 1.08 USD when the agency counts in USD. Rates are
stored with the date they hold from; the newest one is used. Where a rate is missing,
nothing is guessed: totals come per currency and a threshold check answers "unknown".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, field_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from engine.context import OperationContext
from engine.errors import InvalidInput, PolicyDenied
from engine.governance.policies import Decision
from engine.money import cents, currency_code
from storage.models import FxRate
from storage.types import utcnow

MAX_RATE = Decimal("1000000")
# As engine.pipeline.schemas.DecimalStr (the pipeline sits above this module): a string in JSON.
DecimalStr = Annotated[Decimal, PlainSerializer(lambda v: str(v), return_type=str, when_used="json")]


def plain(value: Decimal | str) -> Decimal:
    """A stored NUMERIC(18, 8) without its trailing zeros (1.08000000 -> 1.08, 10 stays 10)."""
    return Decimal(format(Decimal(value).normalize(), "f"))


class FxRateInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    currency: str = Field(description="The currency the rate is for, e.g. EUR.", max_length=3, min_length=3)
    rate: Decimal = Field(gt=0, lt=MAX_RATE, max_digits=18, decimal_places=8,
                          description="What one unit of the currency is worth in the agency's currency.")
    as_of: date | None = Field(default=None, description="The day the rate holds from (today if omitted).")

    @field_validator("currency")
    @classmethod
    def _code(cls, v: str) -> str:
        return currency_code(v)


class FxRateView(BaseModel):
    currency: str
    base: str
    rate: DecimalStr
    as_of: date
    set_by: str
    created_at: datetime


class FxRateList(BaseModel):
    base: str
    rates: list[FxRateView]


@dataclass(frozen=True)
class Rates:
    """The rates in force: `rates[c]` is one unit of c in `base`."""

    base: str
    rates: dict[str, Decimal] = field(default_factory=dict)

    def rate(self, currency: str) -> Decimal | None:
        return Decimal(1) if currency == self.base else self.rates.get(currency)

    def convert(self, amount: Decimal, frm: str, to: str) -> Decimal | None:
        """`amount` of `frm` in `to`, to the cent; None when a rate is missing."""
        if frm == to:
            return amount
        a, b = self.rate(frm), self.rate(to)
        if a is None or b is None:
            return None
        return cents(amount * a / b)

    def to_base(self, amount: Decimal, currency: str) -> Decimal | None:
        return self.convert(amount, currency, self.base)


async def load_rates(session: AsyncSession, base: str) -> Rates:
    """The newest rate of every currency against `base` (rates set against another base are ignored)."""
    # A rate dated in the future does not hold yet; of the rest the newest (then the last set) wins.
    rows = (await session.execute(
        select(FxRate.currency, FxRate.rate).where(FxRate.base == base, FxRate.as_of <= utcnow().date())
        .order_by(FxRate.currency, FxRate.as_of, FxRate.id))).all()
    latest = {currency: plain(rate) for currency, rate in rows}
    return Rates(base=base, rates=latest)


async def rates_for(ctx: OperationContext) -> Rates:
    return await load_rates(ctx.session, ctx.settings.currency.upper())


async def set_fx_rate(ctx: OperationContext, data: FxRateInput) -> FxRateView:
    """Store a rate of `data.currency` against the agency's currency, dated; audited; `fx.rate_set`."""
    ctx.check_policy("set_fx_rate")
    base = ctx.settings.currency.upper()
    if data.currency == base:
        raise InvalidInput(f"{base} is the agency's own currency: its rate is always 1.", field="currency")
    previous = (await rates_for(ctx)).rate(data.currency)
    row = FxRate(currency=data.currency, base=base, rate=data.rate, as_of=data.as_of or utcnow().date(),
                 set_by=ctx.actor.label, created_at=utcnow())
    ctx.session.add(row)
    await ctx.session.flush()
    ctx.audit("fx.rate_set", f"fx:{data.currency}", base=base, rate=str(data.rate), as_of=row.as_of,
              previous=str(previous) if previous is not None else None)
    ctx.emit("fx.rate_set", currency=data.currency, base=base, rate=str(data.rate), as_of=row.as_of.isoformat())
    return _view(row)


async def list_fx_rates(ctx: OperationContext) -> FxRateList:
    """Every rate set against the agency's currency, newest first."""
    ctx.check_policy("view_fx_rates")
    base = ctx.settings.currency.upper()
    rows = (await ctx.session.execute(
        select(FxRate).where(FxRate.base == base).order_by(FxRate.as_of.desc(), FxRate.id.desc()))).scalars().all()
    return FxRateList(base=base, rates=[_view(r) for r in rows])


def _view(row: FxRate) -> FxRateView:
    return FxRateView(currency=row.currency, base=row.base, rate=plain(row.rate), as_of=row.as_of, set_by=row.set_by,
                      created_at=row.created_at)


class MoneyTotal(BaseModel):
    """A sum over amounts of several currencies: each currency's own total always; the total in
    the agency's currency only when every currency has a rate (`missing_rates` says which lack one)."""

    by_currency: dict[str, DecimalStr]
    total: DecimalStr | None
    currency: str
    missing_rates: list[str]


def total(amounts: Iterable[tuple[Decimal, str]], rates: Rates) -> MoneyTotal:
    per: dict[str, Decimal] = {}
    for amount, currency in amounts:
        per[currency] = per.get(currency, Decimal(0)) + Decimal(amount)
    return total_of(per, rates)


def total_of(per: dict[str, Decimal], rates: Rates) -> MoneyTotal:
    missing = sorted(c for c in per if rates.rate(c) is None)
    converted: Decimal | None = None
    if not missing:
        converted = cents(sum((per[c] * (rates.rate(c) or 0) for c in per), Decimal(0)))
    return MoneyTotal(by_currency={c: cents(v) for c, v in sorted(per.items())}, total=converted,
                      currency=rates.base, missing_rates=missing)


def over_threshold(amount: Decimal, currency: str, threshold: Decimal, rates: Rates) -> bool | None:
    """Is `amount` of `currency` over `threshold` (in the agency's currency)? None: no rate to tell."""
    converted = rates.to_base(amount, currency)
    return None if converted is None else converted > threshold


async def check_amount_conditions(ctx: OperationContext, action: str, amount: Decimal, currency: str,
                                  context: dict[str, Any] | None = None) -> Decision:
    """The policy's conditions for `action`, its amount ones (`max_amount`, `require_vote_over`)
    compared in the agency's currency: `amount` of `currency` converted at the rate in force.

    Without a rate nothing is guessed: when the policy has a condition on the amount (some amount
    would be refused or need a vote) the action is refused naming the missing rate; when it has
    none the other conditions decide. Raises `PolicyDenied` naming the rule, as `check_conditions`.
    """
    rates = await rates_for(ctx)
    converted = rates.to_base(amount, currency)
    others = dict(context or {})
    if converted is not None:
        return ctx.check_conditions(action, {**others, "amount": converted})
    decision = ctx.check_conditions(action, others)
    rule = ctx.services.policies.amount_condition(action, others)
    if rule:
        denied = PolicyDenied(action, ctx.actor.role.value, (
            f"No exchange rate from {currency} to {rates.base} is set, so {amount} {currency} cannot be checked "
            f"against the {rates.base} limit to {action.replace('_', ' ')}: set one (grace fx set {currency} RATE, "
            f"or POST /api/fx/rates) and try again (policy {rule})."), rule=rule)
        denied.details["missing_rate"] = currency
        raise denied
    return decision


__all__ = ["FxRateInput", "FxRateView", "FxRateList", "Rates", "MoneyTotal", "load_rates", "rates_for",
           "set_fx_rate", "list_fx_rates", "total", "total_of", "over_threshold", "currency_code",
           "check_amount_conditions"]
