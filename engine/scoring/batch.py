"""Scoring many stored leads at once, from columns rather than lead objects.

A nightly rescoring of every lead spends its time on Python work per lead (about 0.3 ms per
10,000 leads for each attribute read), not on the model. Here the leads come out of the
database as columns: for each raw field a model uses, its distinct values and each lead's index
into them (dictionary encoding). On PostgreSQL one SELECT does the encoding itself (`dense_rank`
and `array_agg`), so no Python code runs per lead; elsewhere the rows are encoded after loading.
`transform_columns` then works each feature out once per distinct value, with the very functions
`extract` uses, and spreads it to every lead with numpy: exactly the matrix
`FeatureSpace.transform([extract(r) for r in records])` gives (tests check it on both databases).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, Text, cast, func, literal, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from engine.fx import Rates
from engine.scoring.features import (
    CUSTOM_PREFIX,
    FIELDS,
    FeatureSpace,
    LeadRecord,
    custom_value,
    fast_number,
)
from engine.scoring.records import budget_expression, interactions_count, lead_record, rate_missing_expression
from storage.models import Client, Lead

DAYS = "days_since_first_contact"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Column:
    """One raw field of many leads: its distinct values, and each lead's index into them."""

    values: list[Any]
    codes: np.ndarray  # intp, one per lead


@dataclass
class LeadColumns:
    """The raw fields a feature space needs, for many leads (in `lead_ids` order).

    `fields` is keyed by LeadRecord attribute (`budget`, `industry`...) or `custom.<name>`; the
    two dates, when needed, are microseconds since the epoch with a mask of the known ones."""

    lead_ids: np.ndarray
    fields: dict[str, Column]
    first_contact_us: np.ndarray | None = None
    as_of_us: np.ndarray | None = None
    dates_known: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.lead_ids)

    @classmethod
    def from_records(cls, records: Sequence[LeadRecord], space: FeatureSpace,
                     lead_ids: Sequence[int] | None = None, extra: Sequence[str] = ()) -> LeadColumns:
        """Encode records already in memory (the loader's fallback, and what tests compare with);
        `extra`: more LeadRecord attributes to carry beside those the space needs."""
        keys, dates = raw_fields(space, extra)
        fields: dict[str, Column] = {}
        for key in keys:
            if key.startswith(CUSTOM_PREFIX):
                name = key[len(CUSTOM_PREFIX):]
                raw = [r.custom.get(name) for r in records]
            else:
                raw = list(map(attrgetter(key), records))
            fields[key] = _encode(raw)
        ids = np.asarray(lead_ids if lead_ids is not None else range(len(records)), dtype=np.int64)
        out = cls(lead_ids=ids, fields=fields)
        if dates:
            first = [r.first_contact_at for r in records]
            as_of = [r.as_of for r in records]
            known = np.array([a is not None and b is not None for a, b in zip(first, as_of, strict=True)], dtype=bool)
            out.first_contact_us = np.array([_us(d) for d in first], dtype=np.int64)
            out.as_of_us = np.array([_us(d) for d in as_of], dtype=np.int64)
            out.dates_known = known
        return out


def _us(d: datetime | None) -> int:
    """Microseconds since the epoch (exact integer arithmetic, as timedelta subtraction is)."""
    if d is None:
        return 0
    delta = d - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 10**6 + delta.microseconds


def _encode(raw: list[Any]) -> Column:
    """Dictionary-encode values by type and value (True and 1, or 1 and 1.0, stay apart);
    an unhashable value (a nested custom field) gets an entry of its own."""
    types = set(map(type, raw))
    types.discard(type(None))
    if len(types) <= 1:
        # One type besides None: equal values are the same value, so a dict can key them as
        # they are and the loops run in C (dict.fromkeys, map).
        try:
            distinct = dict.fromkeys(raw)
        except TypeError:  # unhashable (a nested custom field)
            pass
        else:
            position = {v: i for i, v in enumerate(distinct)}
            return Column(list(distinct), np.fromiter(map(position.__getitem__, raw), dtype=np.intp, count=len(raw)))
    index: dict[Any, int] = {}
    values: list[Any] = []
    codes = np.empty(len(raw), dtype=np.intp)
    for i, v in enumerate(raw):
        try:
            key: Any = (type(v), v)
            hash(key)
        except TypeError:
            key = ("unhashable", i)
        j = index.get(key)
        if j is None:
            j = index[key] = len(values)
            values.append(v)
        codes[i] = j
    return Column(values, codes)


def raw_fields(space: FeatureSpace, extra: Sequence[str] = ()) -> tuple[list[str], bool]:
    """The raw fields the space's features are made from (then `extra`), and whether it needs the
    two dates."""
    keys: list[str] = []
    dates = False
    for name in space.features:
        if name == DAYS:
            dates = True
            continue
        key = _feature_of(name)[0]
        if key not in keys:
            keys.append(key)
    keys += [k for k in extra if k not in keys]
    return keys, dates


def feature_column(cols: LeadColumns, name: str, dtype: Any = np.float64) -> np.ndarray:
    """One documented feature (`has_budget`...) of every lead in `cols`, worked out once per
    distinct raw value with the function `extract` uses."""
    key, fn = _feature_of(name)
    return _per_lead(cols.fields[key], fn, dtype)


def _feature_of(name: str) -> tuple[str, Any]:
    if name in FIELDS:
        return FIELDS[name]
    return name, custom_value


def _per_lead(col: Column, fn: Any, dtype: Any) -> np.ndarray:
    """fn of each distinct value, spread to every lead."""
    per_value = np.fromiter((fn(v) for v in col.values), dtype=dtype, count=len(col.values))
    return per_value[col.codes]


def _days_column(cols: LeadColumns) -> np.ndarray:
    assert cols.first_contact_us is not None and cols.as_of_us is not None and cols.dates_known is not None
    # the same arithmetic as `_days`: microseconds / 10**6 / 86400, at least 0; NaN when a date is unknown
    days = np.maximum((cols.as_of_us - cols.first_contact_us) / 10**6 / 86400.0, 0.0)
    return np.where(cols.dates_known, days, np.nan)


def transform_columns(space: FeatureSpace, cols: LeadColumns) -> np.ndarray:
    """`space.transform([extract(r) for r in records])` for the leads in `cols`."""

    def column(name: str, then: Any, dtype: Any) -> np.ndarray:
        if name == DAYS:  # always numeric (NUMERIC_BASE): NaN where a date is unknown, as fast_number(None)
            assert then is fast_number
            return _days_column(cols)
        key, fn = _feature_of(name)
        return _per_lead(cols.fields[key], lambda v: then(fn(v)), dtype)

    return space.assemble(len(cols), column)


def transform_records(space: FeatureSpace, records: Sequence[LeadRecord]) -> np.ndarray:
    """`space.transform([extract(r) for r in records])`, straight from the records (batch scoring)."""
    return transform_columns(space, LeadColumns.from_records(records, space))


# --- loading -------------------------------------------------------------------------------------

def _expressions(keys: Sequence[str], rates: Rates) -> list[tuple[str, Any]]:
    """(key, SQL expression) per raw field; custom fields as their JSON text (the key they are
    encoded by), decoded once per distinct value; the budget in the agency's currency."""
    attrs: dict[str, Any] = {
        "company": Client.company, "email": Client.email, "budget": budget_expression(rates),
        "industry": Client.industry,
        "source": Lead.source, "country": Client.country, "requirements": Lead.requirements,
        "timeline": Lead.timeline, "project_type": Lead.project_type, "interactions": interactions_count(),
        "budget_rate_missing": rate_missing_expression(rates),
    }
    out = []
    for key in keys:
        if key.startswith(CUSTOM_PREFIX):
            name = literal(key[len(CUSTOM_PREFIX):], Text)
            # the lead's own value wins over the client's, as in `lead_record` (a JSON null included)
            value = func.coalesce(Lead.metadata_.op("->")(name), Client.metadata_.op("->")(name))
            out.append((key, cast(value, Text)))
        else:
            out.append((key, attrs[key]))
    return out


def _decode(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key.startswith(CUSTOM_PREFIX):
        return json.loads(value)
    if key == "budget":
        return float(value)  # as `lead_record` does with the Decimal the ORM loads
    return value


async def load_lead_columns(session: AsyncSession, space: FeatureSpace, rates: Rates, where: Any = None,
                            extra: Sequence[str] = ()) -> LeadColumns:
    """The raw fields `space` needs (and the LeadRecord attributes in `extra`) for the leads
    matching `where` (all leads when None), by id; budgets converted at `rates` (`lead_record`)."""
    if session.get_bind().dialect.name != "postgresql":
        return await _load_by_rows(session, space, rates, where, extra)
    keys, dates = raw_fields(space, extra)
    exprs = _expressions(keys, rates)
    cols = [Lead.id.label("id"), *[e.label(f"k{i}") for i, (_, e) in enumerate(exprs)]]
    if dates:
        cols += [cast(func.extract("epoch", Client.first_contact_at) * 1_000_000, BigInteger).label("first_us"),
                 cast(func.extract("epoch", Lead.created_at) * 1_000_000, BigInteger).label("as_of_us")]
    base = select(*cols).join(Client, Lead.client_id == Client.id)
    if where is not None:
        base = base.where(where)
    b = base.cte("base")
    ranked = select(b, *[(func.dense_rank().over(order_by=b.c[f"k{i}"]) - 1).label(f"r{i}")
                         for i in range(len(exprs))]).subquery("ranked")
    aggs = [func.array_agg(aggregate_order_by(ranked.c.id, ranked.c.id))]
    for i in range(len(exprs)):
        k = ranked.c[f"k{i}"]
        # dense_rank and DISTINCT .. ORDER BY use the same ordering (nulls last): rank r is values[r]
        aggs += [func.array_agg(aggregate_order_by(ranked.c[f"r{i}"], ranked.c.id)),
                 func.array_agg(aggregate_order_by(k.distinct(), k))]
    if dates:
        aggs += [func.array_agg(aggregate_order_by(ranked.c[name], ranked.c.id)) for name in ("first_us", "as_of_us")]
    row = (await session.execute(select(*aggs).select_from(ranked))).one()
    ids = row[0] or []
    fields: dict[str, Column] = {}
    for i, (key, _) in enumerate(exprs):
        codes = np.asarray(row[1 + 2 * i] or [], dtype=np.intp)
        values = [_decode(key, v) for v in (row[2 + 2 * i] or [])]
        if len(codes) and int(codes.max()) + 1 != len(values):
            raise AssertionError(f"dictionary encoding of {key} is inconsistent")
        fields[key] = Column(values, codes)
    out = LeadColumns(lead_ids=np.asarray(ids, dtype=np.int64), fields=fields)
    if dates:
        # NULL -> NaN by numpy; microseconds since 1970 stay below 2**53, so float64 holds them exactly
        first = np.array(row[1 + 2 * len(exprs)] or [], dtype=np.float64)
        as_of = np.array(row[2 + 2 * len(exprs)] or [], dtype=np.float64)
        out.dates_known = ~(np.isnan(first) | np.isnan(as_of))
        out.first_contact_us = np.where(out.dates_known, first, 0).astype(np.int64)
        out.as_of_us = np.where(out.dates_known, as_of, 0).astype(np.int64)
    return out


async def _load_by_rows(session: AsyncSession, space: FeatureSpace, rates: Rates, where: Any,
                        extra: Sequence[str] = ()) -> LeadColumns:
    stmt = select(Lead, Client, interactions_count()).join(Client, Lead.client_id == Client.id).order_by(Lead.id)
    if where is not None:
        stmt = stmt.where(where)
    rows = (await session.execute(stmt)).all()
    return LeadColumns.from_records([lead_record(lead, client, n, rates) for lead, client, n in rows], space,
                                    [lead.id for lead, _, _ in rows], extra)

