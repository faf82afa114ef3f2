"""Tool results as the agent returns them (a qualified lead, a generated proposal), for renderers."""

from __future__ import annotations

QUALIFIED = {"lead_id": 3, "client_name": "Ada Lovelace", "company": "Acme Ltd", "stage": "QUALIFIED", "score": 76.0,
             "budget": "4000.00", "currency": "USD", "source": "referral", "qualified": True,
             "recommendation": "Qualified: book a discovery call and prepare a proposal.",
             "top_factors": [{"feature": "source", "points": 20.0, "text": "source referral: +20"},
                             {"feature": "budget", "points": -6.0, "text": "budget 4,000 USD"}],
             "requirements": "A <script> & a chatbot"}


PROPOSAL = {"lead_id": 3, "project_id": 1, "currency": "USD", "proposal": {
    "id": 1, "version": 2, "total_hours": 20.0, "subtotal": "3000.00", "discount": "0.00", "price": "3000.00",
    "currency": "USD",
    "fits_budget": True, "budget_note": "Fits.", "weeks": 2, "link": "http://grace.test/p/tok",
    "deliverables": [{"name": "Discovery", "role": "consultant", "hours": 20.0, "rate": "150", "amount": "3000.00",
                      "optional": False}]},
    "project_plan": {"project_id": 1, "milestones": [{"name": "All", "due": "2026-12-05", "share": "1",
                                                      "amount": "3000.00"}]}}
