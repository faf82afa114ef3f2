from tests.conftest import lead_data


async def test_qualify_predict_and_next_action_over_http(api):
    r = await api.post("/api/business/leads", json=lead_data(source="referral", budget="30000"))
    lead_id = r.json()["lead_id"]
    q = await api.post(f"/api/business/leads/{lead_id}/qualify")
    assert q.status_code == 200, q.text
    body = q.json()
    assert {"score", "qualified", "recommendation", "factors"} <= set(body)
    assert body["qualified"] is True and body["stage"] == "QUALIFIED"
    assert any(f["text"].startswith("budget $30,000: +") for f in body["factors"])
    p = await api.get(f"/api/business/leads/{lead_id}/predict")
    assert p.status_code == 200 and 0 < p.json()["probability"] <= 1 and p.json()["days_to_close"] >= 1
    n = await api.get(f"/api/business/leads/{lead_id}/next-action")
    assert n.status_code == 200 and n.json()["action"] == "Send the proposal"
    lead = (await api.get(f"/api/business/leads/{lead_id}")).json()
    assert lead["next_action"].startswith("Send the proposal") and lead["score"] == body["score"]


async def test_unknown_lead_is_404(api):
    r = await api.post("/api/business/leads/999999/qualify")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
