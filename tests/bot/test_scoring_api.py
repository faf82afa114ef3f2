from tests.conftest import lead_data
from tests.helpers.scoring import budget_factor


async def test_qualify_predict_and_next_action_over_http(api):
    r = await api.post("/api/business/leads", json=lead_data(source="referral", budget="30000"))
    lead_id = r.json()["lead_id"]
    q = await api.post(f"/api/business/leads/{lead_id}/qualify")
    assert q.status_code == 200, q.text
    body = q.json()
    assert {"score", "qualified", "recommendation", "factors"} <= set(body)
    assert body["qualified"] is True and body["stage"] == "QUALIFIED"
    assert any(f["text"].startswith("budget 30,000 USD: +") for f in body["factors"])
    p = await api.get(f"/api/business/leads/{lead_id}/predict")
    assert p.status_code == 200 and 0 < p.json()["probability"] <= 1 and p.json()["days_to_close"] >= 1
    n = await api.get(f"/api/business/leads/{lead_id}/next-action")
    assert n.status_code == 200 and n.json()["action"] == "Send the proposal"
    lead = (await api.get(f"/api/business/leads/{lead_id}")).json()
    assert lead["next_action"].startswith("Send the proposal") and lead["score"] == body["score"]


async def test_unknown_lead_is_404(api):
    r = await api.post("/api/business/leads/999999/qualify")
    assert r.status_code == 404 and r.json()["error"] == "not_found"


async def test_a_budget_in_another_currency_is_tiered_in_the_agencys(api):
    """The cold-start rule's tiers are in GRACE_CURRENCY (USD here): ₹ 9,50,000 is not a 950,000 budget."""
    unknown = await budget_factor(api, source="referral", budget="₹ 9,50,000")
    assert unknown["points"] == 0, unknown  # not the top tier (20) a 950,000 USD budget gets
    assert unknown["text"] == "budget 950,000 INR (no INR to USD rate set: tier unknown): +0.0"
    assert (await budget_factor(api, source="referral", budget="$950,000"))["points"] == 20

    assert (await api.post("/api/fx/rates", json={"currency": "INR", "rate": "0.012"})).status_code == 201
    assert (await api.post("/api/fx/rates", json={"currency": "EUR", "rate": "1.08"})).status_code == 201
    inr = await budget_factor(api, source="referral", budget="₹ 9,50,000")  # 11,400 USD: the 10,000 tier
    assert inr["points"] == 14 and inr["text"] == "budget 950,000 INR = 11,400 USD: +14", inr
    eur = await budget_factor(api, source="referral", budget="€9.500")  # 10,260 USD: over 10,000 where 9,500 is not
    assert eur["points"] == 14 and eur["text"] == "budget 9,500 EUR = 10,260 USD: +14", eur
    assert (await budget_factor(api, source="referral", budget="$9,500"))["points"] == 10


async def test_a_budget_in_a_currency_without_a_rate_asks_for_the_rate_not_the_budget(api):
    """The client gave a budget, in INR; with no INR rate scoring cannot tier it (has_budget stays 0, the
    model's features are unchanged), and the recommendation says what is missing: the rate, and how to set it."""
    r = await api.post("/api/business/leads", json=lead_data(source="cold_email", industry="farming", timeline=None,
                                                            budget="₹ 9,50,000"))
    lead_id = r.json()["lead_id"]
    q = (await api.post(f"/api/business/leads/{lead_id}/qualify")).json()
    assert not q["qualified"] and q["recommendation"].startswith("Nurture: promising but below 70."), q
    assert "Ask for the timeline." in q["recommendation"] and "budget," not in q["recommendation"], q
    assert ("The budget is in INR and no INR exchange rate is set, so it does not count yet: set one "
            "(grace fx set INR RATE, or POST /api/fx/rates) and qualify the lead again.") in q["recommendation"], q
    budget = next(f for f in q["factors"] if f["feature"] == "budget")
    assert budget["points"] == 0 and "no INR to USD rate set" in budget["text"], budget

    assert (await api.post("/api/fx/rates", json={"currency": "INR", "rate": "0.012"})).status_code == 201
    q = (await api.post(f"/api/business/leads/{lead_id}/qualify")).json()  # 11,400 USD: +14, over 70
    assert q["qualified"] and q["recommendation"] == "Qualified: book a discovery call and prepare a proposal.", q

    r = await api.post("/api/business/leads", json=lead_data(source="cold_email", industry="farming", budget=None))
    q = (await api.post(f"/api/business/leads/{r.json()['lead_id']}/qualify")).json()
    assert "Ask for the budget." in q["recommendation"] and "rate" not in q["recommendation"], q
