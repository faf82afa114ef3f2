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
from datetime import UTC, datetime, timedelta
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
    # How a budget given in another currency was read (converted, or no rate): for the explanation.
    budget_note: str | None = None
    # The currency of a budget given in it with no exchange rate set (so `budget` is None): the
    # client gave a budget, only its tier is unknown. Read by the recommendation, never a feature.
    budget_rate_missing: str | None = None


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


def category(v: Any) -> str:
    """A category value: stripped, lower-case, or MISSING."""
    t = _text(v)
    return t.lower() if t else MISSING


def fast_number(v: Any) -> float:
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
    return category(v)


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


def custom_value(v: Any) -> Value:
    """A custom field's feature value: None for missing or nested values, numbers as they are."""
    if v is None or isinstance(v, dict | list):
        return None
    return None if is_missing(v) else (v if isinstance(v, int | float) else str(v).strip())


DATE_FORMATS = (None, "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d/%m/%Y %H:%M", "%Y/%m/%d")
DATE_SHARE = 0.95  # a custom column is a date when this share of its filled values parse as one


@functools.lru_cache(maxsize=65536)
def _parse_text_date(v: str) -> datetime | None:
    if not 6 <= len(v) <= 40 or not v[0].isdigit():
        return None
    for fmt in DATE_FORMATS:
        try:
            d = datetime.fromisoformat(v) if fmt is None else datetime.strptime(v, fmt)
        except ValueError:
            continue
        return d if d.tzinfo else d.replace(tzinfo=UTC)
    return None


def parse_when(value: Any) -> datetime | None:
    """A date or timestamp (ISO, day/month/year and a few other export formats), UTC when the
    text has no zone; None when the value is not one."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        return None
    return _parse_text_date(value.strip())


def date_age(reference: datetime, v: Any) -> float:
    """Days from the date in v to the reference date (NaN when v is not a date)."""
    d = parse_when(v)
    return math.nan if d is None else (reference - d).total_seconds() / 86400.0


def date_month(v: Any) -> int:
    d = parse_when(v)
    return -1 if d is None else d.month - 1


def date_weekday(v: Any) -> int:
    d = parse_when(v)
    return -1 if d is None else d.weekday()


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
    "industry": ("industry", category),
    "source": ("source", category),
    "country": ("country", category),
    "project_type": ("project_type", category),
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
        out[CUSTOM_PREFIX + str(k)] = custom_value(v)
    return out


def label(name: str) -> str:
    """A feature's name for people: `custom.Lead Origin` -> `Lead Origin`."""
    return name[len(CUSTOM_PREFIX):] if name.startswith(CUSTOM_PREFIX) else name.replace("_", " ")


RATE_SMOOTHING = 10.0  # pseudo-leads at the base rate added to each value's own when its won-rate is learned
RATE_FOLDS = 5
RATE_SEED = 0


def _rates(codes: np.ndarray, y: np.ndarray, k: int) -> tuple[np.ndarray, float]:
    """Smoothed won-rate of each of k values, and the base rate."""
    prior = float(y.mean())
    counts = np.bincount(codes, minlength=k)
    sums = np.bincount(codes, weights=y, minlength=k)
    return (sums + RATE_SMOOTHING * prior) / (counts + RATE_SMOOTHING), prior


@dataclass
class FeatureSpace:
    """How feature dicts become columns. Plain data, JSON round-trippable.

    Three kinds of feature, in this column order: numbers (median for missing, plus a missing
    indicator), categories (one-hot of the common values, the rest as "other"; a category with
    more values than `max_categories` also gets its values' smoothed won-rates as one more column,
    learned out of fold for the training rows), and dates (age in days before the latest date of
    the training rows, month and weekday)."""

    numeric: list[dict[str, Any]]  # {"name", "median", "indicator": bool}
    categorical: list[dict[str, Any]]  # {"name", "categories": [...], "other": bool, "mode", ["rates", "prior"]}
    dropped: dict[str, str] = field(default_factory=dict)  # name -> why
    dates: list[dict[str, Any]] = field(default_factory=list)  # {"name", "reference", "median_age", "indicator"}

    @classmethod
    def fit(cls, rows: Sequence[dict[str, Value]], y: np.ndarray | None = None, *, min_count: int = 10,
            max_categories: int = 30, exclude: Iterable[str] = (), encode_rates: bool = True,
            encode_dates: bool = True) -> FeatureSpace:
        """Learn the columns from training rows; `y` (their outcomes) lets categories with many
        values carry their won-rates."""
        n = len(rows)
        names: list[str] = list(BASE)
        seen = set(names)
        for r in rows:
            for k in r:
                if k not in seen:
                    seen.add(k)
                    names.append(k)
        skip = set(exclude)
        space = cls(numeric=[], categorical=[], dropped={})
        min_count = max(2, min(min_count, max(n // 50, 2)))
        for name in names:
            if name in skip:
                continue
            values = [r.get(name) for r in rows]
            present = [v for v in values if not is_missing(v)]
            if not present:
                space.dropped[name] = "always empty"
                continue
            kind = "numeric" if name in NUMERIC_BASE else "categorical" if name in CATEGORICAL_BASE else None
            if kind is None:
                nums = [to_number(v) for v in present]
                kind = "numeric" if sum(x is not None for x in nums) >= 0.95 * len(present) else "categorical"
                if kind == "categorical" and encode_dates and _mostly_dates(present):
                    space._fit_date(name, values)
                    continue
            if kind == "numeric":
                space._fit_numeric(name, values, n)
            else:
                space._fit_categorical(name, values, n, y if encode_rates else None, min_count, max_categories)
        return space

    def _fit_numeric(self, name: str, values: list[Value], n: int) -> None:
        nums_f = [x for x in (to_number(v) for v in values) if x is not None]
        if len(set(nums_f)) <= 1 and len(nums_f) == n:
            self.dropped[name] = "the same in every row"
            return
        if name.startswith(CUSTOM_PREFIX) and n >= 20 and len(set(nums_f)) == n \
                and all(float(x).is_integer() for x in nums_f):
            self.dropped[name] = "an identifier (a different whole number in every row)"
            return
        self.numeric.append({"name": name, "median": float(np.median(nums_f)), "indicator": len(nums_f) < n})

    def _fit_categorical(self, name: str, values: list[Value], n: int, y: np.ndarray | None, min_count: int,
                         max_categories: int) -> None:
        cats = [category(v) for v in values]
        counts = Counter(cats)
        if len(counts) <= 1:
            self.dropped[name] = "the same in every row"
            return
        if name.startswith(CUSTOM_PREFIX) and len(counts) > max(0.5 * n, 20) and n >= 20:
            self.dropped[name] = "an identifier (nearly every row differs)"
            return
        kept = [c for c, k in counts.most_common(max_categories) if k >= min_count]
        many = y is not None and len(counts) > max_categories
        if not kept and not many:
            self.dropped[name] = "every value is rare"
            return
        spec: dict[str, Any] = {"name": name, "categories": sorted(kept), "other": len(kept) < len(counts),
                                "mode": counts.most_common(1)[0][0]}
        if many and y is not None:
            distinct = list(counts)
            position = {c: i for i, c in enumerate(distinct)}
            codes = np.fromiter((position[c] for c in cats), dtype=np.intp, count=n)
            rates, prior = _rates(codes, np.asarray(y, dtype=np.float64), len(distinct))
            spec["rates"] = {c: round(float(r), 6) for c, r in zip(distinct, rates, strict=True)}
            spec["prior"] = round(prior, 6)
        self.categorical.append(spec)

    def _fit_date(self, name: str, values: list[Value]) -> None:
        when = [parse_when(v) for v in values]
        known = [d for d in when if d is not None]
        reference = max(known)
        ages = [(reference - d).total_seconds() / 86400.0 for d in known]
        self.dates.append({"name": name, "reference": reference.isoformat(), "median_age": float(np.median(ages)),
                           "indicator": len(known) < len(values)})

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
            if "rates" in f:
                cols.append(f"{f['name']}:won-rate")
        for f in self.dates:
            cols.append(f"{f['name']}:age")
            if f["indicator"]:
                cols.append(f"{f['name']}:age=(missing)")
            cols.extend(f"{f['name']}:month={m + 1}" for m in range(12))
            cols.extend(f"{f['name']}:weekday={d}" for d in range(7))
        return cols

    @property
    def features(self) -> list[str]:
        return [f["name"] for f in self.numeric] + [f["name"] for f in self.categorical] + \
            [f["name"] for f in self.dates]

    def transform(self, rows: Sequence[dict[str, Value]]) -> np.ndarray:
        """The matrix of `rows` (feature dicts, as `extract` makes them)."""
        n = len(rows)
        return self.assemble(n, lambda name, then, dtype: np.fromiter(
            (then(r.get(name)) for r in rows), dtype=dtype, count=n))

    def training_matrix(self, rows: Sequence[dict[str, Value]], y: np.ndarray) -> np.ndarray:
        """The matrix a model is fitted on: `transform(rows)`, except that each row's won-rate
        columns are learned from the other folds' rows, so no row sees its own outcome."""
        X = self.transform(rows)
        everyone = np.arange(len(rows))
        return self.refit_rates(X, self.rate_codes(rows), y, everyone, everyone[:0])[0]

    def rate_codes(self, rows: Sequence[dict[str, Value]]) -> list[tuple[int, np.ndarray]]:
        """Per won-rate column: its index, and each row's value as a small integer code."""
        out = []
        for name, col in self._rate_columns:
            position: dict[str, int] = {}
            codes = np.fromiter((position.setdefault(_fast_cat(r.get(name)), len(position)) for r in rows),
                                dtype=np.intp, count=len(rows))
            out.append((col, codes))
        return out

    @staticmethod
    def refit_rates(X: np.ndarray, codes: list[tuple[int, np.ndarray]], y: np.ndarray, train: np.ndarray,
                    test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows `train` and `test` of X, with won-rates learned from the training rows only: out
        of fold (internal shuffled folds) for the training rows, from all of them for the test rows.
        What cross-validation fits and scores, so a test row's outcome never reaches a feature."""
        Xtr, Xte = X[train], X[test]
        if not codes:
            return Xtr, Xte
        yt = np.asarray(y, dtype=np.float64)[train]
        fold = np.random.default_rng(RATE_SEED).permutation(len(train)) % RATE_FOLDS
        for col, all_codes in codes:
            c = all_codes[train]
            k = int(all_codes.max()) + 1 if len(all_codes) else 0
            for f in range(RATE_FOLDS):
                inside = fold == f
                if inside.any() and not inside.all():
                    Xtr[inside, col] = _rates(c[~inside], yt[~inside], k)[0][c[inside]]
            if len(test):
                Xte[:, col] = _rates(c, yt, k)[0][all_codes[test]]
        return Xtr, Xte

    def assemble(self, n: int, column: Callable[[str, Callable[[Any], Any], Any], np.ndarray]) -> np.ndarray:
        """The matrix of n leads, a column at a time: `column(name, then, dtype)` gives
        `then(value of feature name)` for every lead as a new array (how each batch path reads
        its leads is its own business; the layout of the matrix is this one's)."""
        X = np.zeros((n, self.width), dtype=np.float64)
        col = 0
        for f in self.numeric:
            values = column(f["name"], fast_number, np.float64)
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
        for f in self.categorical:
            if "rates" in f:
                X[:, self.blocks[f["name"]].stop - 1] = column(
                    f["name"], functools.partial(_value_rate, f["rates"], f["prior"]), np.float64)
        for f in self.dates:
            start = self.blocks[f["name"]].start
            age = column(f["name"], functools.partial(date_age, datetime.fromisoformat(f["reference"])), np.float64)
            missing = np.isnan(age)
            age[missing] = f["median_age"]
            X[:, start] = age
            if f["indicator"]:
                X[:, start + 1] = missing
            first = start + (2 if f["indicator"] else 1)
            for part, width in ((date_month, 12), (date_weekday, 7)):
                j = column(f["name"], part, np.int64)
                hit = j >= 0
                X[at[hit], first + j[hit]] = 1.0
                first += width
        return X

    def transform_one(self, row: dict[str, Value]) -> np.ndarray:
        """`transform([row])`, for one lead (explanations, one qualification): plain Python
        over the features instead of an array pass per column."""
        out = [0.0] * self.width
        col = 0
        for f in self.numeric:
            v = fast_number(row.get(f["name"]))
            missing = math.isnan(v)
            out[col] = f["median"] if missing else v
            if f["indicator"]:
                out[col + 1] = 1.0 if missing else 0.0
            col += 2 if f["indicator"] else 1
        for name, index, other in self._category_offsets:
            j = index.get(_fast_cat(row.get(name)), other)
            if j >= 0:
                out[j] = 1.0
        if self._rate_columns or self.dates:
            # rare in stored models: the array path for these columns
            X = self.transform([row])[0]
            for _name, j in self._rate_columns:
                out[j] = float(X[j])
            for f in self.dates:
                b = self.blocks[f["name"]]
                out[b] = X[b].tolist()
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

    @cached_property
    def _rate_columns(self) -> list[tuple[str, int]]:
        """Per category carrying won-rates: its name and the rate's column."""
        return [(f["name"], self.blocks[f["name"]].stop - 1) for f in self.categorical if "rates" in f]

    @property
    def width(self) -> int:
        """How many columns."""
        return max((b.stop for b in self.blocks.values()), default=0)

    def reference(self) -> dict[str, Value]:
        """A typical lead: each number at its median, each category at its most common value, each
        date at its median age. Explanations measure how far a lead's own value moves its score
        from this one."""
        ref: dict[str, Value] = {f["name"]: f["median"] for f in self.numeric}
        ref.update({f["name"]: f.get("mode", MISSING) for f in self.categorical})
        for f in self.dates:
            typical = datetime.fromisoformat(f["reference"]) - timedelta(days=f["median_age"])
            ref[f["name"]] = typical.date().isoformat()
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
            width = len(f["categories"]) + (1 if f["other"] else 0) + (1 if "rates" in f else 0)
            out[f["name"]] = slice(col, col + width)
            col += width
        for f in self.dates:
            width = (2 if f["indicator"] else 1) + 12 + 7
            out[f["name"]] = slice(col, col + width)
            col += width
        return out

    def to_json(self) -> dict[str, Any]:
        return {"numeric": self.numeric, "categorical": self.categorical, "dropped": self.dropped,
                "dates": self.dates}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeatureSpace:
        return cls(numeric=list(data["numeric"]), categorical=list(data["categorical"]),
                   dropped=dict(data.get("dropped", {})), dates=list(data.get("dates", [])))


def _value_rate(rates: dict[str, float], prior: float, v: Any) -> float:
    return rates.get(_fast_cat(v), prior)


def _mostly_dates(present: list[Any]) -> bool:
    distinct = list(dict.fromkeys(str(v).strip() for v in present[:5000]))
    if parse_when(distinct[0]) is None:
        return False
    dates = sum(parse_when(v) is not None for v in distinct)
    return dates >= DATE_SHARE * len(distinct)
