"""POST /api/business/proposals/generate and GET /api/business/projects/{id}."""

from __future__ import annotations

from decimal import Decimal

import httpx

from engine.context import Services
from tests.conftest import lead_data, make_key

PROPOSAL_KEYS = {"id", "version", "deliverables", "total_hours", "subtotal", "discount", "price", "currency", "fits_budget",
                 "budget_note", "weeks", "link", "emailed_to"}


async def lead(api: httpx.AsyncClient, **kw: object) -> int:
    r = await api.post("/api/business/leads", json=lead_data(**kw))
    assert r.status_code == 201, r.text
    return int(r.json()["lead_id"])


async def test_generate_answers_the_contract(api: httpx.AsyncClient) -> None:
    lead_id = await lead(api)
    r = await api.post("/api/business/proposals/generate", json={"lead_id": lead_id, "budget": "$40k"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"proposal", "project_plan"}
    p, plan = body["proposal"], body["project_plan"]
    assert set(p) == PROPOSAL_KEYS
    assert set(plan) == {"project_id", "milestones"}
    for d in p["deliverables"]:
        assert set(d) == {"name", "role", "hours", "rate", "amount", "optional"}
        assert isinstance(d["rate"], str) and isinstance(d["amount"], str)
    for m in plan["milestones"]:
        assert set(m) == {"name", "due", "share", "amount"} and isinstance(m["amount"], str)
    for k in ("subtotal", "discount", "price"):
        assert isinstance(p[k], str)
    assert Decimal(p["price"]) == Decimal(p["subtotal"]) - Decimal(p["discount"]) <= Decimal("40000")
    assert sum(Decimal(m["amount"]) for m in plan["milestones"]) == Decimal(p["price"])
    assert sum(Decimal(m["share"]) for m in plan["milestones"]) == 1
    assert p["link"].startswith("http://127.0.0.1:8000/p/")

    r = await api.get(f"/api/business/projects/{plan['project_id']}")
    assert r.status_code == 200
    project = r.json()
    assert {"id", "status", "progress", "title", "price", "currency", "milestones", "deliverables"} <= set(project)
    assert project["status"] == "proposed" and project["price"] == p["price"]
    assert [m["name"] for m in project["milestones"]] == [m["name"] for m in plan["milestones"]]
    assert len(project["deliverables"]) == len(p["deliverables"])

    again = (await api.post("/api/business/proposals/generate", json={"lead_id": lead_id})).json()
    assert again["proposal"]["version"] == 2 and again["project_plan"]["project_id"] == plan["project_id"]


async def test_errors_name_the_field(api: httpx.AsyncClient, services: Services) -> None:
    r = await api.post("/api/business/proposals/generate", json={"lead_id": 12345})
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = await api.post("/api/business/proposals/generate", json={"lead_id": 1, "budget": "a lot"})
    assert r.status_code == 422 and r.json()["field"] == "budget"
    r = await api.post("/api/business/proposals/generate", json={"lead_id": 1, "colour": "red"})
    assert r.status_code == 422 and r.json()["field"] == "colour"
    assert (await api.get("/api/business/projects/777")).status_code == 404
    viewer = await make_key(services, "viewer")
    lead_id = await lead(api)
    r = await api.post("/api/business/proposals/generate", json={"lead_id": lead_id},
                       headers={"Authorization": f"Bearer {viewer}"})
    assert r.status_code == 403 and r.json()["error"] == "policy_denied"


async def test_client_text_is_escaped_on_the_page_and_errors_are_pages(api: httpx.AsyncClient) -> None:
    # Hunter blocks <script> at capture; markup it only flags is stored, and must be escaped on the page.
    lead_id = await lead(api, requirements="A chatbot <em>urgent</em> for support & sales")
    link = (await api.post("/api/business/proposals/generate", json={"lead_id": lead_id})).json()["proposal"]["link"]
    path = "/p/" + link.rsplit("/", 1)[1]
    page = await api.get(path, headers={"Authorization": ""})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<em>urgent" not in page.text and "&lt;em&gt;urgent" in page.text
    bad = await api.get(path + "x")
    assert bad.status_code == 403 and "text/html" in bad.headers["content-type"] and "not valid" in bad.text
    ok = await api.post(path, data={"name": "Ada"})
    assert ok.status_code == 200 and "Accepted by Ada" in ok.text
    again = await api.post(path, data={"name": "Ada"})
    assert again.status_code == 409 and "already accepted" in again.text
