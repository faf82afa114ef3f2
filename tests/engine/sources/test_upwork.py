"""Pasted Upwork job posts: title, budget (fixed or hourly), skills, client country, description."""

from decimal import Decimal

import pytest

from engine.errors import InvalidInput
from engine.sources.upwork import capture_upwork_post, parse_job_post, post_to_lead
from tests.conftest import SALES, VIEWER, op

JOB_PAGE = """Senior React Developer for Logistics Dashboard
Posted 3 hours ago
Worldwide
We are a logistics startup looking for a senior React developer to build a real-time dashboard.
You will integrate our REST API and build charts.
$30.00-$60.00
Hourly
10-30 hrs/week
1 to 3 months
Intermediate
Skills and Expertise
React
TypeScript
Node.js
+2 more
Activity on this job
Proposals: 10 to 15
About the client
Payment method verified
4.9 of 12 reviews
Germany
Berlin 10:30 AM
$50K total spent
https://www.upwork.com/jobs/Senior-React-Developer_~01a2b3c4d5e6f7a8b9/
"""


def test_job_page_copy_with_hourly_range():
    p = parse_job_post(JOB_PAGE)
    assert p.title == "Senior React Developer for Logistics Dashboard"
    assert (p.hourly_min, p.hourly_max, p.budget) == (Decimal("30.00"), Decimal("60.00"), None)
    assert p.skills == ["React", "TypeScript", "Node.js"]
    assert p.country == "Germany" and p.job_id == "~01a2b3c4d5e6f7a8b9" and p.timeline == "1 to 3 months"
    assert p.description.startswith("We are a logistics startup") and "Posted" not in p.description
    lead = post_to_lead(p)
    assert lead.source.value == "upwork" and lead.budget_range == "$30.00-$60.00/hr" and lead.country == "Germany"
    assert lead.email.endswith("@upwork.example")


@pytest.mark.parametrize("text,budget", [
    ("Title: Shopify store migration\nBudget: $1,500 fixed\nSkills: Shopify, Liquid, JavaScript\n"
     "Client country: Canada\nDescription: Move our WooCommerce store to Shopify.", Decimal("1500")),
    ("Build a chatbot for our clinic\nFixed-price\n$2.5k\nEst. budget\nWe need a WhatsApp chatbot.\n"
     "Skills and Expertise\nPython, Dialogflow\nAbout the client\nUnited States\n", Decimal("2500")),
])
def test_fixed_price_posts(text, budget):
    p = parse_job_post(text)
    assert p.budget == budget and p.hourly_min is None
    assert p.country in ("Canada", "United States") and len(p.skills) == 2 + (p.country == "Canada")


def test_url_only_and_empty():
    p = parse_job_post("https://www.upwork.com/jobs/~0123456789abcdef")
    assert p.job_id == "~0123456789abcdef" and p.title.startswith("Upwork job")
    with pytest.raises(InvalidInput):
        parse_job_post("  \n ")


async def test_capture_is_once_per_job_and_needs_capture_rights(services):
    first = await op(services, SALES, capture_upwork_post, JOB_PAGE)
    again = await op(services, SALES, capture_upwork_post, JOB_PAGE)
    assert first.created_lead and again.duplicate and again.lead_id == first.lead_id
    from engine.errors import PolicyDenied

    with pytest.raises(PolicyDenied):
        await op(services, VIEWER, capture_upwork_post, JOB_PAGE)
