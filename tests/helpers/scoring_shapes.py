"""Files shaped like the exports that broke scoring, made without the data.

- `bank_like`: a telemarketing file (41,188 rows by default, about 11% positive, `;`-separated,
  rows in date order, numeric economic columns that drift month by month and move the outcome).
- `education_like`: an X-Education-like file (origin, source, visits, time on site, occupation...)
  with a first-contact date, rows in date order, the positive rate drifting with time, positives
  subsampled to 10%, and a drifting numeric column.
- `funnel_like`: a marketing-funnel file (an id, a first-contact date, a landing page id with
  hundreds of values, an origin; about 10% positive).

Run as a script to write one: `python -m tests.helpers.scoring_shapes bank out.csv [rows]`.
"""

from __future__ import annotations

import csv
import io
import sys
from datetime import date, timedelta

import numpy as np

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DAYS = ("mon", "tue", "wed", "thu", "fri")
JOBS = ("admin.", "blue-collar", "technician", "services", "management", "retired", "entrepreneur",
        "self-employed", "housemaid", "unemployed", "student", "unknown")
JOB_P = (0.25, 0.22, 0.16, 0.1, 0.07, 0.04, 0.035, 0.035, 0.026, 0.025, 0.021, 0.008)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _write(header: list[str], rows: list[list[object]], delimiter: str) -> str:
    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue()


def bank_like(n: int = 41188, seed: int = 0) -> str:
    """The bank telemarketing shape: 31 months from May 2008, most calls in the first months,
    economic indicators constant within a month and drifting across months, the outcome far more
    frequent in the later (low-rate) months; rows in date order."""
    rng = np.random.default_rng(seed)
    months = 31
    # most calls early (like the real campaign), a long thin tail later
    weight = np.exp(-np.arange(months) / 5.0) + 0.04
    month_of = np.sort(rng.choice(months, size=n, p=weight / weight.sum()))
    t = np.arange(months) / (months - 1)
    # a crisis: the interest rate and employment fall, confidence swings
    euribor = np.clip(4.9 - 4.2 * _sigmoid((t - 0.3) * 14) + rng.normal(0, 0.08, months), 0.6, 5.1)
    emp_var = np.round(1.4 - 4.6 * _sigmoid((t - 0.28) * 12) + rng.normal(0, 0.15, months), 1)
    nr_employed = np.round(5228 - 230 * _sigmoid((t - 0.35) * 10) + rng.normal(0, 6, months), 1)
    price = np.round(93.9 - 0.8 * t + rng.normal(0, 0.35, months), 3)
    conf = np.round(-36 - 8 * np.sin(t * 7) + rng.normal(0, 2, months), 1)
    job = rng.choice(len(JOBS), size=n, p=np.array(JOB_P) / sum(JOB_P))
    age = np.clip(np.where(JOBS.index("student") == job, rng.normal(24, 4, n),
                           np.where(JOBS.index("retired") == job, rng.normal(66, 7, n), rng.normal(40, 9, n))),
                  17, 95).astype(int)
    marital = rng.choice(["married", "single", "divorced", "unknown"], size=n, p=[0.6, 0.28, 0.11, 0.01])
    education = rng.choice(["university.degree", "high.school", "basic.9y", "professional.course", "basic.4y",
                            "basic.6y", "unknown", "illiterate"], size=n,
                           p=[0.3, 0.23, 0.15, 0.13, 0.1, 0.05, 0.035, 0.005])
    default = rng.choice(["no", "unknown", "yes"], size=n, p=[0.79, 0.2, 0.01])
    housing = rng.choice(["yes", "no", "unknown"], size=n, p=[0.52, 0.45, 0.03])
    loan = rng.choice(["no", "yes", "unknown"], size=n, p=[0.82, 0.15, 0.03])
    cellular = rng.random(n) < np.where(t[month_of] > 0.3, 0.85, 0.55)
    campaign = 1 + rng.geometric(0.4, n) - 1 + (rng.random(n) < 0.1) * rng.integers(0, 10, n)
    previous = np.where(rng.random(n) < 0.04 + 0.3 * t[month_of], rng.integers(1, 4, n), 0)
    success = (previous > 0) & (rng.random(n) < 0.35)
    pdays = np.where(success, rng.integers(1, 20, n), 999)
    poutcome = np.where(previous == 0, "nonexistent", np.where(success, "success", "failure"))
    logit = (-2.65 - 0.3 * (euribor[month_of] - 3.0) - 0.008 * (nr_employed[month_of] - 5150)
             + 1.9 * success - 0.35 * (poutcome == "failure") + 0.5 * cellular - 0.09 * (campaign - 1)
             + 0.7 * (age < 25) + 0.8 * (age > 60) + 0.4 * (JOBS.index("student") == job)
             + 0.3 * (JOBS.index("retired") == job) - 0.4 * (default == "unknown")
             + 0.25 * (education == "university.degree") + rng.normal(0, 0.6, n))
    y = rng.random(n) < _sigmoid(logit)
    cal_month = (4 + np.arange(months)) % 12  # May 2008 onwards
    rows: list[list[object]] = []
    for i in range(n):
        m = month_of[i]
        rows.append([int(age[i]), JOBS[job[i]], marital[i], education[i], default[i], housing[i], loan[i],
                     "cellular" if cellular[i] else "telephone", MONTHS[cal_month[m]], DAYS[rng.integers(0, 5)],
                     int(campaign[i]), int(pdays[i]), int(previous[i]), poutcome[i], emp_var[m],
                     price[m], conf[m], round(float(euribor[m]), 3), nr_employed[m], "yes" if y[i] else "no"])
    header = ["age", "job", "marital", "education", "default", "housing", "loan", "contact", "month",
              "day_of_week", "campaign", "pdays", "previous", "poutcome", "emp.var.rate", "cons.price.idx",
              "cons.conf.idx", "euribor3m", "nr.employed", "y"]
    return _write(header, rows, ";")


ORIGINS = ("Landing Page Submission", "API", "Lead Add Form", "Lead Import")
SOURCES = ("Google", "Direct Traffic", "Olark Chat", "Organic Search", "Reference", "Welingak Website", "Referral Sites")
OCCUPATIONS = ("Unemployed", "Working Professional", "Student", "Select", "Other", "Housewife")


def education_like(n: int = 6000, *, positive_share: float = 0.10, seed: int = 0, shuffled: bool = False) -> str:
    """X-Education-shaped leads: conversions follow time on site, origin, source and occupation; the
    positive rate drifts over the two years the rows cover (rows in date order unless `shuffled`), a
    numeric `Market Index` drifts with the date too, and positives are subsampled to `positive_share`."""
    rng = np.random.default_rng(seed)
    m = n * 3  # drawn before subsampling the positives
    t = np.sort(rng.random(m))
    origin = rng.choice(len(ORIGINS), size=m, p=[0.53, 0.39, 0.077, 0.003])
    source = rng.choice(len(SOURCES), size=m, p=[0.31, 0.28, 0.19, 0.125, 0.06, 0.015, 0.02])
    occupation = rng.choice(len(OCCUPATIONS), size=m, p=[0.6, 0.08, 0.025, 0.26, 0.02, 0.015])
    visits = rng.poisson(3.4, m) * (origin != 2)
    seconds = np.where(rng.random(m) < 0.25, 0, rng.gamma(1.4, 450, m)).astype(int)
    pages = np.round(np.where(visits > 0, 1 + rng.gamma(1.3, 1.3, m), 0), 2)
    country = rng.choice(["India", "(blank)", "United States", "United Arab Emirates", "Singapore"], size=m,
                         p=[0.7, 0.26, 0.015, 0.015, 0.01])
    logit = (-1.3 + 1.1 * t + 0.0011 * seconds + 2.1 * (origin == 2) - 0.8 * (source == 2)
             + 1.2 * (occupation == 1) - 0.9 * (occupation == 3) + 0.6 * (source == 4) - 0.05 * visits
             + rng.normal(0, 0.5, m))
    y = rng.random(m) < _sigmoid(logit)
    # keep every negative, and only enough positives for the wanted share
    neg = np.flatnonzero(~y)
    pos = np.flatnonzero(y)
    want_pos = int(round(positive_share / (1 - positive_share) * len(neg)))
    keep = np.sort(np.concatenate([neg, rng.choice(pos, size=min(want_pos, len(pos)), replace=False)]))
    keep = np.sort(rng.choice(keep, size=min(n, len(keep)), replace=False))
    start = date(2024, 1, 1)
    rows: list[list[object]] = []
    for i in keep:
        when = start + timedelta(days=int(t[i] * 720))
        market = round(100 + 40 * t[i] + rng.normal(0, 2), 2)  # drifts with the date, nothing else
        rows.append([f"L{i:06d}", when.isoformat(), ORIGINS[origin[i]], SOURCES[source[i]], int(visits[i]),
                     int(seconds[i]), pages[i], country[i], OCCUPATIONS[occupation[i]], market, int(y[i])])
    if shuffled:
        rows = [rows[j] for j in rng.permutation(len(rows))]
    header = ["Prospect ID", "First Contact", "Lead Origin", "Lead Source", "TotalVisits",
              "Total Time Spent on Website", "Page Views Per Visit", "Country", "What is your current occupation",
              "Market Index", "Converted"]
    return _write(header, rows, ",")


def funnel_like(n: int = 8000, *, pages: int = 400, seed: int = 0) -> str:
    """A funnel export: an id, a first-contact date, a landing page id with hundreds of values
    (each page with its own conversion rate, popular and rare pages alike), an origin; ~10% positive."""
    rng = np.random.default_rng(seed)
    popularity = rng.lognormal(0, 1.2, pages)  # a long tail: popular pages and hundreds of rare ones
    page = rng.choice(pages, size=n, p=popularity / popularity.sum())
    page_effect = rng.normal(0, 1.0, pages)
    origin = rng.choice(["ads", "organic", "email", "partner"], size=n, p=[0.45, 0.3, 0.15, 0.1])
    t = np.sort(rng.random(n))
    start = date(2025, 1, 1)
    when = [start + timedelta(days=int(x * 365)) for x in t]
    weekend = np.array([d.weekday() >= 5 for d in when])
    logit = (-2.35 + page_effect[page] + 0.7 * (origin == "partner") - 0.4 * (origin == "ads")
             - 0.5 * weekend + 0.4 * np.array([d.month in (9, 10, 11) for d in when]) + rng.normal(0, 0.3, n))
    y = rng.random(n) < _sigmoid(logit)
    rows = [[f"{100000 + i}", when[i].isoformat(), f"page-{page[i]:04d}", origin[i], int(y[i])] for i in range(n)]
    return _write(["lead_id", "first_contact_date", "landing_page_id", "origin", "converted"], rows, ",")


def main(argv: list[str]) -> None:
    kind, path = argv[0], argv[1]
    n = int(argv[2]) if len(argv) > 2 else None
    make = {"bank": bank_like, "education": education_like, "funnel": funnel_like}[kind]
    text = make() if n is None else make(n)  # type: ignore[operator]
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"{path}: {text.count(chr(10)) - 1} rows", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
