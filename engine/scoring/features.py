"""Lead features: the 14 documented ones plus the agency's own custom fields.

A lead (from the database or a CSV row) becomes a `LeadRecord`, then a flat dict of
features (numbers, or strings for categories). A `FeatureSpace`, fitted on the
training rows, turns such dicts into the numeric matrix a model sees: numbers with
their median for missing values (plus a "missing" indicator), categories one-hot
with rare values grouped as "other". The space is plain JSON, stored beside the model.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

import numpy as np

# Values people put in a form to mean "not answered" (`Select` is a common form default).
MISSING_TOKENS = frozenset({"", "select", "n/a", "na", "null", "nan", "none", "-", "?", "not provided"})
FREE_MAIL = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "hotmail.com", "hotmail.co.uk", "outlook.com",
    "live.com", "msn.com", "aol.com", "icloud.com", "me.com", "mac.com", "proton.me", "protonmail.com",
    "gmx.com", "gmx.de", "web.de", "mail.com", "yandex.com", "yandex.ru", "mail.ru", "zoho.com", "qq.com",
    "163.com", "free.fr", "orange.fr", "libero.it", "t-online.de",
})
URGENT = re.compile(r"\b(asap|urgent|immediately|right away|this week|next week|\d{1,4}\s{0,3}(day|week)s?)\b", re.I)
MONTHS = re.compile(r"\b(\d{1,4})\s{0,3}months?\b", re.I)
# Words that make requirements specific (with a number, they count one each).
SPECIFIC = frozenset("""
api integration integrate crm erp database dashboard mobile ios android react python migration deadline
user users page pages screen screens sso payment payments stripe salesforce hubspot shopify aws azure gcp
kpi mvp""".split())
WORD = re.compile(r"[a-z0-9]+")

NUMERIC_BASE = (
    "has_company", "has_budget", "budget_amount", "requirements_words", "requirements_specificity",
    "has_timeline", "timeline_urgency", "corporate_domain", "interactions", "days_since_first_contact",
)
CATEGORICAL_BASE = ("industry", "source", "country", "project_type")
BASE = NUMERIC_BASE + CATEGORICAL_BASE
CUSTOM_PREFIX = "custom."
OTHER = "(other)"
MISSING = "(missing)"

Value = float | str | None


@dataclass
class LeadRecord:
    """What scoring knows of a lead, wherever it came from."""

    company: str | None = None
    email: str | None = None
    budget: float | None = None
    industry: str | None = None
    source: str | None = None
    country: str | None = None
    requirements: str | None = None
    timeline: str | None = None
    project_type: str | None = None
    interactions: int | None = None
    first_contact_at: datetime | None = None
    as_of: datetime | None = None
    custom: dict[str, Any] = field(default_factory=dict)


def is_missing(v: Any) -> bool:
    if v is None:
        return True
    if type(v) is str:
        return len(v) < 40 and v.strip().lower() in MISSING_TOKENS
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and v.strip().lower() in MISSING_TOKENS


def to_number(v: Any) -> float | None:
    """A number from an int/float or a string like "1,200.5"; None when it is not one."""
    if is_missing(v) or isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v)
    try:
        x = float(str(v).replace(",", "").strip())
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _text(v: Any) -> str | None:
    return None if is_missing(v) else str(v).strip()


def _cat(v: Any) -> str:
    t = _text(v)
    return t.lower() if t else MISSING


def _fast_number(v: Any) -> float:
    """`to_number` with NaN for missing, and a shortcut for values that already are floats."""
    if type(v) is float:
        return v
    x = to_number(v)
    return math.nan if x is None else x


def _category_column(index: dict[str, int], other: int, v: Any) -> int:
    """The matrix column of category value v: its own, or the "other" column (-1: none)."""
    return index.get(_fast_cat(v), other)


def _fast_cat(v: Any) -> str:
    # extract() already normalised the documented categories; custom ones go the long way
    if type(v) is str and v and v[0] != " " and v[-1] != " " and v.islower():
        return MISSING if v in MISSING_TOKENS else v
    return _cat(v)


def specificity(text: str) -> int:
    """How many specific terms (integration, api, a number...) the text holds."""
    return sum(1 for w in WORD.findall(text.lower()) if w in SPECIFIC or w.isdigit()) if text else 0


def timeline_urgency(text: str | None) -> float | None:
    """1 for days/weeks/asap, 1/months for "N months", 0.5 for other stated timelines."""
    if not text:
        return None
    if URGENT.search(text):
        return 1.0
    m = MONTHS.search(text)
    if m:
        return round(1.0 / max(int(m.group(1)), 1), 3)
    return 0.5


def _has(v: Any) -> float:
    return 0.0 if is_missing(v) else 1.0


def _has_budget(v: float | None) -> float:
    return 1.0 if v else 0.0


def _budget_amount(v: float | None) -> float | None:
    return float(v) if v else None


def _requirements_words(v: Any) -> float:
    return float(len((_text(v) or "").split()))


def _requirements_specificity(v: Any) -> float:
    return float(specificity(_text(v) or ""))


def _timeline_urgency(v: Any) -> float | None:
    return timeline_urgency(_text(v))


def _corporate_domain(v: Any) -> float | None:
    email = _text(v)
    if not email or "@" not in email:
        return None
    return 0.0 if email.rsplit("@", 1)[-1].lower() in FREE_MAIL else 1.0


def _interactions(v: int | None) -> float | None:
    return None if v is None else float(v)


def _days(first_contact_at: datetime | None, as_of: datetime | None) -> float | None:
    if first_contact_at is None or as_of is None:
        return None
    return max((as_of - first_contact_at).total_seconds() / 86400.0, 0.0)


def _custom(v: Any) -> Value:
    if v is None or isinstance(v, dict | list):
        return None
    return None if is_missing(v) else (v if isinstance(v, int | float) else str(v).strip())


# Each documented feature but the days since first contact: (the LeadRecord attribute, its value).
# `extract` (one lead) and the batch paths (engine/scoring/batch.py) share this table, so
# both give the same numbers.
FIELDS: dict[str, tuple[str, Any]] = {
    "has_company": ("company", _has),
    "has_budget": ("budget", _has_budget),
    "budget_amount": ("budget", _budget_amount),
    "requirements_words": ("requirements", _requirements_words),
    "requirements_specificity": ("requirements", _requirements_specificity),
    "has_timeline": ("timeline", _has),
    "timeline_urgency": ("timeline", _timeline_urgency),
    "corporate_domain": ("email", _corporate_domain),
    "interactions": ("interactions", _interactions),
    "industry": ("industry", _cat),
    "source": ("source", _cat),
    "country": ("country", _cat),
    "project_type": ("project_type", _cat),
}
assert set(FIELDS) | {"days_since_first_contact"} == set(BASE)


def extract(rec: LeadRecord) -> dict[str, Value]:
    """The features of one lead: the documented ones, then `custom.<name>` for custom fields."""
    out: dict[str, Value] = {name: fn(getattr(rec, attr)) for name, (attr, fn) in FIELDS.items()}
    out["days_since_first_contact"] = _days(rec.first_contact_at, rec.as_of)
    out = {name: out[name] for name in BASE}
    for k, v in rec.custom.items():
        if isinstance(v, dict | list):
            continue
        out[CUSTOM_PREFIX + str(k)] = _custom(v)
    return out


def label(name: str) -> str:
    """A feature's name for people: `custom.Lead Origin` -> `Lead Origin`."""
    return name[len(CUSTOM_PREFIX):] if name.startswith(CUSTOM_PREFIX) else name.replace("_", " ")


@dataclass
class FeatureSpace:
    """How feature dicts become columns. Plain data, JSON round-trippable."""

    numeric: list[dict[str, Any]]  # {"name", "median", "indicator": bool}
    categorical: list[dict[str, Any]]  # {"name", "categories": [...], "other": bool}
    dropped: dict[str, str] = field(default_factory=dict)  # name -> why

    @classmethod
    def fit(cls, rows: Sequence[dict[str, Value]], *, min_count: int = 10, max_categories: int = 30,
            exclude: Iterable[str] = ()) -> FeatureSpace:
        n = len(rows)
        names: list[str] = list(BASE)
        seen = set(names)
        for r in rows:
            for k in r:
                if k not in seen:
                    seen.add(k)
                    names.append(k)
        skip = set(exclude)
        numeric: list[dict[str, Any]] = []
        categorical: list[dict[str, Any]] = []
        dropped: dict[str, str] = {}
        min_count = max(2, min(min_count, max(n // 50, 2)))
        for name in names:
            if name in skip:
                continue
            values = [r.get(name) for r in rows]
            present = [v for v in values if not is_missing(v)]
            if not present:
                dropped[name] = "always empty"
                continue
            kind = "numeric" if name in NUMERIC_BASE else "categorical" if name in CATEGORICAL_BASE else None
            if kind is None:
                nums = [to_number(v) for v in present]
                kind = "numeric" if sum(x is not None for x in nums) >= 0.95 * len(present) else "categorical"
            if kind == "numeric":
                nums_f = [x for x in (to_number(v) for v in values) if x is not None]
                if len(set(nums_f)) <= 1 and len(nums_f) == n:
                    dropped[name] = "the same in every row"
                    continue
                if name.startswith(CUSTOM_PREFIX) and n >= 20 and len(set(nums_f)) == n \
                        and all(float(x).is_integer() for x in nums_f):
                    dropped[name] = "an identifier (a different whole number in every row)"
                    continue
                numeric.append({"name": name, "median": float(np.median(nums_f)),
                                "indicator": len(nums_f) < n})
                continue
            counts = Counter(_cat(v) for v in values)
            if len(counts) <= 1:
                dropped[name] = "the same in every row"
                continue
            if name.startswith(CUSTOM_PREFIX) and len(counts) > max(0.5 * n, 20) and n >= 20:
                dropped[name] = "an identifier (nearly every row differs)"
                continue
            kept = [c for c, k in counts.most_common(max_categories) if k >= min_count]
            if not kept:
                dropped[name] = "every value is rare"
                continue
            categorical.append({"name": name, "categories": sorted(kept), "other": len(kept) < len(counts),
                                "mode": counts.most_common(1)[0][0]})
        return cls(numeric=numeric, categorical=categorical, dropped=dropped)

    @property
    def columns(self) -> list[str]:
        cols: list[str] = []
        for f in self.numeric:
            cols.append(f["name"])
            if f["indicator"]:
                cols.append(f"{f['name']}=(missing)")
        for f in self.categorical:
            cols.extend(f"{f['name']}={c}" for c in f["categories"])
            if f["other"]:
                cols.append(f"{f['name']}={OTHER}")
        return cols

    @property
    def features(self) -> list[str]:
        return [f["name"] for f in self.numeric] + [f["name"] for f in self.categorical]

    def transform(self, rows: Sequence[dict[str, Value]]) -> np.ndarray:
        """The matrix of `rows` (feature dicts, as `extract` makes them)."""
        n = len(rows)
        return self.assemble(n, lambda name, then, dtype: np.fromiter(
            (then(r.get(name)) for r in rows), dtype=dtype, count=n))

    def assemble(self, n: int, column: Callable[[str, Callable[[Any], Any], Any], np.ndarray]) -> np.ndarray:
        """The matrix of n leads, a column at a time: `column(name, then, dtype)` gives
        `then(value of feature name)` for every lead as a new array (how each batch path reads
        its leads is its own business; the layout of the matrix is this one's)."""
        X = np.zeros((n, self.width), dtype=np.float64)
        col = 0
        for f in self.numeric:
            values = column(f["name"], _fast_number, np.float64)
            missing = np.isnan(values)
            values[missing] = f["median"]
            X[:, col] = values
            if f["indicator"]:
                X[:, col + 1] = missing
            col += 2 if f["indicator"] else 1
        at = np.arange(n)
        for name, index, other in self._category_offsets:
            j = column(name, functools.partial(_category_column, index, other), np.int64)
            hit = j >= 0
            X[at[hit], j[hit]] = 1.0
        return X

    def transform_one(self, row: dict[str, Value]) -> np.ndarray:
        """`transform([row])`, for one lead (explanations, one qualification): plain Python
        over the features instead of an array pass per column."""
        out = [0.0] * self.width
        col = 0
        for f in self.numeric:
            v = _fast_number(row.get(f["name"]))
            missing = math.isnan(v)
            out[col] = f["median"] if missing else v
            if f["indicator"]:
                out[col + 1] = 1.0 if missing else 0.0
            col += 2 if f["indicator"] else 1
        for name, index, other in self._category_offsets:
            j = index.get(_fast_cat(row.get(name)), other)
            if j >= 0:
                out[j] = 1.0
        return np.array([out], dtype=np.float64)

    @cached_property
    def _category_offsets(self) -> list[tuple[str, dict[str, int], int]]:
        """Per categorical feature: its name, the column of each category, the "other" column or -1."""
        out = []
        for f in self.categorical:
            start = self.blocks[f["name"]].start
            index = {c: start + j for j, c in enumerate(f["categories"])}
            out.append((f["name"], index, start + len(index) if f["other"] else -1))
        return out

    def transform_records(self, records: Sequence[LeadRecord]) -> np.ndarray:
        """`transform([extract(r) for r in records])`, straight from the records (batch scoring)."""
        from engine.scoring.batch import LeadColumns, transform_columns

        return transform_columns(self, LeadColumns.from_records(records, self))

    @property
    def width(self) -> int:
        """How many columns."""
        return max((b.stop for b in self.blocks.values()), default=0)

    def reference(self) -> dict[str, Value]:
        """A typical lead: each number at its median, each category at its most common value.
        Explanations measure how far a lead's own value moves its score from this one."""
        ref: dict[str, Value] = {f["name"]: f["median"] for f in self.numeric}
        ref.update({f["name"]: f.get("mode", MISSING) for f in self.categorical})
        return ref

    # Derived once per space (a loaded model's space never changes): what explanations use per call.
    @cached_property
    def typical(self) -> dict[str, Value]:
        return self.reference()

    @cached_property
    def typical_row(self) -> np.ndarray:
        return self.transform([self.typical])[0]

    @cached_property
    def blocks(self) -> dict[str, slice]:
        """Each feature's columns."""
        out: dict[str, slice] = {}
        col = 0
        for f in self.numeric:
            width = 2 if f["indicator"] else 1
            out[f["name"]] = slice(col, col + width)
            col += width
        for f in self.categorical:
            width = len(f["categories"]) + (1 if f["other"] else 0)
            out[f["name"]] = slice(col, col + width)
            col += width
        return out

    def to_json(self) -> dict[str, Any]:
        return {"numeric": self.numeric, "categorical": self.categorical, "dropped": self.dropped}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeatureSpace:
        return cls(numeric=list(data["numeric"]), categorical=list(data["categorical"]),
                   dropped=dict(data.get("dropped", {})))
