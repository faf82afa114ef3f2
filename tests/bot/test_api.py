"""The REST API: happy paths, and every kind of bad input answered with a 4xx JSON error."""

import pytest

from tests.conftest import lead_data, make_key


async def test_post_lead_then_read_it_back(api):
    r = await api.post("/api/business/leads", json=lead_data(email="Api@Example.com", budget="USD 12,500"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"client_id", "lead_id", "stage", "created_client"}
    lead = (await api.get(f"/api/business/leads/{body['lead_id']}")).json()
    assert lead["budget"] == "12500.00" and lead["email"] == "Api@example.com"
    client = (await api.get(f"/api/business/clients/{body['client_id']}")).json()
    assert client["lead_ids"] == [body["lead_id"]] and client["lifetime_value"] == "0.00"
    page = (await api.get("/api/business/leads", params={"q": "api@"})).json()
    assert page["total"] == 1


async def test_stage_move_through_api(api):
    lead_id = (await api.post("/api/business/leads", json=lead_data())).json()["lead_id"]
    r = await api.post(f"/api/business/leads/{lead_id}/stage", json={"stage": "QUALIFIED"})
    assert r.status_code == 200 and r.json()["to_stage"] == "QUALIFIED"
    r = await api.post(f"/api/business/leads/{lead_id}/stage", json={"stage": "PAID"})
    assert r.status_code == 409 and "PROPOSAL" in r.json()["message"]
    r = await api.post(f"/api/business/leads/{lead_id}/stage", json={"stage": "SOLD"})
    assert r.status_code == 422 and r.json()["field"] == "stage"


@pytest.mark.parametrize(
    "body,content_type,field",
    [
        (b"{not json", "application/json", "body"),
        (b"[1,2,3]", "application/json", "body"),
        (b'{"source":"website","name":"A","email":"a@example.com","budget":"lots"}', "application/json", "budget"),
        (b'{"source":"website","name":"A","email":"a@example.com","budget":[1]}', "application/json", "budget"),
        (b'{"source":"fax","name":"A","email":"a@example.com"}', "application/json", "source"),
        (b'{"source":"website","name":"A","email":"nope"}', "application/json", "email"),
        (b'{"source":"website","name":123,"email":"a@example.com"}', "application/json", "name"),
        (b'{"source":"website","email":"a@example.com"}', "application/json", "name"),
        (b'{"source":"website","name":"A","email":"a@example.com","colour":"red"}', "application/json", "colour"),
        (("{\"source\":\"website\",\"name\":\"" + "x" * 100_000 + "\",\"email\":\"a@example.com\"}").encode(),
         "application/json", "name"),
        (b"source=website", "application/x-www-form-urlencoded", "body"),
    ],
)
async def test_bad_input_is_a_4xx_json_error_naming_the_field(api, body, content_type, field):
    r = await api.post("/api/business/leads", content=body, headers={"content-type": content_type})
    assert 400 <= r.status_code < 500, r.text
    err = r.json()
    assert err["error"] == "invalid_input"
    assert err["field"] == field, err
    assert err["message"]


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/api/business/leads/abc"),
        ("get", "/api/business/leads/99999999"),
        ("get", "/api/business/leads?limit=100000"),
        ("get", "/api/business/leads?stage=NOPE"),
        ("get", "/api/business/revenue?period=decade"),
        ("get", "/api/business/clients/0"),
        ("post", "/api/business/leads/1/stage"),
    ],
)
async def test_other_bad_requests_are_4xx(api, method, path):
    r = await getattr(api, method)(path)
    assert 400 <= r.status_code < 500, r.text
    assert "message" in r.json()


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}])
async def test_missing_or_wrong_key_is_401(api, headers):
    r = await api.get("/api/business/pipeline", headers={"Authorization": ""} | headers)
    assert r.status_code == 401 and r.json()["error"] == "unauthenticated"


async def test_role_is_enforced_and_refusal_audited(api, services):
    viewer = await make_key(services, role="viewer")
    r = await api.post("/api/business/leads", json=lead_data(), headers={"Authorization": f"Bearer {viewer}"})
    assert r.status_code == 403 and "viewer" in r.json()["message"]
    r = await api.get("/api/business/pipeline", headers={"Authorization": f"Bearer {viewer}"})
    assert r.status_code == 200


async def test_pipeline_and_revenue_shapes(api):
    for _ in range(3):
        await api.post("/api/business/leads", json=lead_data(source="linkedin"))
    p = (await api.get("/api/business/pipeline")).json()
    assert p["total_leads"] == 3 and p["by_source"] == {"linkedin": 3}
    assert p["stages"][0] == {"stage": "LEAD", "count": 3, "value": "36000.00", "values": {"USD": "36000.00"},
                              "avg_days": None, "stuck": 0}
    rev = (await api.get("/api/business/revenue")).json()
    assert rev["invoiced"] == "0.00" and rev["by_month"] == {}


async def test_healthz_and_openapi(api):
    assert (await api.get("/healthz")).json()["status"] == "ok"
    assert "/api/business/leads" in (await api.get("/openapi.json")).json()["paths"]


async def test_csv_import_endpoint(api):
    csv_text = "Full Name;E-mail;Company;Budget;Colour\nAnn;ann@example.com;A Co;5k;red\nBob;bad-email;B;;blue\n"
    r = await api.post("/api/business/leads/import", content=csv_text.encode("utf-8-sig"),
                       headers={"content-type": "text/csv"})
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["created"] == 1 and len(rep["rejected"]) == 1 and rep["rejected"][0]["row"] == 3
    assert "email" in rep["rejected"][0]["reason"]
    lead = (await api.get(f"/api/business/leads/{rep['lead_ids'][0]}")).json()
    assert lead["metadata"] == {"Colour": "red"} and lead["budget"] == "5000.00"


async def test_revoked_key_stops_working(api, services):
    from engine.team import revoke_api_key
    from tests.conftest import ADMIN, op

    key = await make_key(services, role="viewer", name="temp")
    h = {"Authorization": f"Bearer {key}"}
    assert (await api.get("/api/business/pipeline", headers=h)).status_code == 200
    from engine.team import list_api_keys

    kid = [k.id for k in await op(services, ADMIN, list_api_keys) if k.name == "temp"][0]
    await op(services, ADMIN, revoke_api_key, kid)
    assert (await api.get("/api/business/pipeline", headers=h)).status_code == 401


async def test_capture_rate_limit_answers_429_with_retry_after(api, services):
    key = await make_key(services, role="sales", name="busy integration")
    h = {"Authorization": f"Bearer {key}"}
    codes = [(await api.post("/api/business/leads", json=lead_data(), headers=h)) for _ in range(31)]
    assert [r.status_code for r in codes[:30]] == [201] * 30
    assert codes[30].status_code == 429 and codes[30].json()["error"] == "rate_limited"
    assert 1 <= int(codes[30].headers["retry-after"]) <= 60
