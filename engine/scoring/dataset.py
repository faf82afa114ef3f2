"""Historical leads from a CSV file: each row a `LeadRecord` plus its outcome.

Columns are matched to lead fields like the importer does (`--map`, names and
synonyms); every other column is a custom field; `--exclude` drops columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from engine.errors import InvalidInput
from engine.money import parse_amount
from engine.pipeline.importer import resolve_columns
from engine.scoring.features import LeadRecord, is_missing, parse_when

POSITIVE_WORDS = frozenset({"1", "yes", "y", "true", "t", "won", "win", "converted", "closed won", "customer"})
RECORD_FIELDS = ("company", "email", "industry", "source", "country", "requirements", "timeline", "project_type")


@dataclass
class Dataset:
    records: list[LeadRecord]
    outcomes: list[int]
    created_at: list[datetime | None]
    columns: dict[str, str | None]  # CSV column -> lead field, or None for a custom field


def outcome_of(value: str, positive: str | None) -> int | None:
    """1 won, 0 lost, None when the cell is empty."""
    v = value.strip()
    if v == "":
        return None
    if positive is not None:
        return 1 if v.lower() == positive.strip().lower() else 0
    return 1 if v.lower() in POSITIVE_WORDS else 0


def parse_budget(value: str) -> float | None:
    if is_missing(value):
        return None
    try:
        amount, _ = parse_amount(value)
    except Exception:
        return None
    return float(amount)


def record_from_row(row: dict[str, str], columns: dict[str, str | None]) -> LeadRecord:
    rec = LeadRecord()
    for col, fieldname in columns.items():
        v = row.get(col, "")
        if fieldname is None:
            if not is_missing(v):
                rec.custom[col] = v
        elif fieldname == "budget":
            rec.budget = parse_budget(v)
        elif fieldname in RECORD_FIELDS and not is_missing(v):
            setattr(rec, fieldname, v)
    return rec


def check_columns(header: Sequence[str], outcome: str, created_at: str | None, exclude: Iterable[str]) -> None:
    if outcome not in header:
        raise InvalidInput(f"--outcome {outcome!r} is not a column of the file; columns are: {', '.join(header)}.",
                           field="outcome")
    if created_at and created_at not in header:
        raise InvalidInput(f"--created-at {created_at!r} is not a column of the file.", field="created_at")
    unknown = [c for c in exclude if c not in header]
    if unknown:
        raise InvalidInput(f"--exclude names columns the file does not have: {', '.join(unknown)}.", field="exclude")


def load_dataset(header: list[str], rows: Iterable[dict[str, str]], *, outcome: str, positive: str | None = None,
                 mapping: dict[str, str] | None = None, exclude: Iterable[str] = (),
                 created_at: str | None = None) -> Dataset:
    exclude = list(exclude)
    check_columns(header, outcome, created_at, exclude)
    skip = set(exclude) | {outcome} | ({created_at} if created_at else set())
    columns = resolve_columns(header, mapping or {}, skip)
    ds = Dataset(records=[], outcomes=[], created_at=[], columns=columns)
    for row in rows:
        y = outcome_of(row.get(outcome, ""), positive)
        if y is None:
            continue
        ds.records.append(record_from_row(row, columns))
        ds.outcomes.append(y)
        ds.created_at.append(parse_when(row.get(created_at, "")) if created_at else None)
    if len(set(ds.outcomes)) < 2:
        raise InvalidInput(f"Column {outcome!r} must hold both outcomes (use --positive VALUE to say which value "
                           "means won).", field="outcome")
    return ds
