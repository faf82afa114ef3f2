"""How long Hunter takes on a typical lead, beside a bare `json.dumps` of the same data.

Last line: one JSON object. Target: under 5 ms per typical lead.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.hunter import scan  # noqa: E402

TYPICAL = {
    "source": "website", "name": "Amélie Durand", "email": "amelie.durand@boulangerie-lefevre.fr",
    "company": "Boulangerie Lefèvre & Fils", "industry": "food & beverage", "country": "France",
    "phone": "+33 6 12 34 56 78", "budget": "€8.500", "project_type": "web app", "timeline": "2 months",
    "requirements": (
        "Rebuild our booking portal (currently PHP 5.6) with online payments via Stripe and SEPA. "
        "Customers should log in with a password or a magic link, see their orders and download invoices. "
        "Our current site is at https://www.boulangerie-lefevre.fr/ and the brief is at "
        "https://docs.google.com/document/d/1AbCdEfGhIjKlMn/edit. Reference: order #48213, quote Q-2025-041. "
        "We'd like a call next week; Tuesday or Thursday afternoon CET works best."
    ),
    "notes": "Met Amélie at VivaTech; decision maker is the COO.",
    "metadata": {"utm_source": "newsletter", "utm_campaign": "spring_2025", "form_id": "contact-3"},
}


def per_call(fn, n: int) -> float:
    samples = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - t) / n)
    return statistics.median(samples)


def main() -> None:
    assert scan("lead", TYPICAL).action.value == "allow"
    for _ in range(50):  # warm caches (regexes, plugin instances)
        scan("lead", TYPICAL)
    base = per_call(lambda: json.dumps(TYPICAL), 5000)
    hunt = per_call(lambda: scan("lead", TYPICAL), 300)
    size = len(json.dumps(TYPICAL))
    print(f"typical lead: {size} characters of JSON")
    print(f"json.dumps      {base * 1e6:9.1f} µs")
    print(f"hunter scan     {hunt * 1e6:9.1f} µs  ({hunt / base:.0f}x json.dumps; target < 5000 µs)")
    print(json.dumps({"bench": "hunter", "lead_chars": size, "json_dumps_us": round(base * 1e6, 2),
                      "scan_us": round(hunt * 1e6, 1), "ratio": round(hunt / base, 1),
                      "under_5ms": hunt < 0.005}))


if __name__ == "__main__":
    main()
