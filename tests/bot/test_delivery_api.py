"""REST: deliver, read a project's delivery and a vote; errors name the field."""

from tests.helpers.delivery import make_members, make_project


async def test_deliver_and_read_back(api, services):
    pid = await make_project(services, price="2500", milestones=2)
    r = await api.post("/api/business/projects/deliver", json={"project_id": pid})
    assert r.status_code == 200 and r.json() == {"project_id": pid, "status": "in_progress", "job_id": f"build:{pid}"}
    await services.queue.join()
    body = (await api.get(f"/api/business/projects/{pid}")).json()
    assert body["id"] == pid and body["status"] == "delivered" and body["progress"] == 1.0
    assert {a["name"] for a in body["artifacts"]} == {"01-discovery/report.md", "01-discovery/acceptance.md",
                                                     "02-build/report.md", "02-build/acceptance.md"}
    assert [m["seq"] for m in body["milestones"]] == [1, 2]
    doc = await api.get(f"/api/business/projects/{pid}/artifact", params={"name": "02-build/report.md"})
    assert doc.status_code == 200 and doc.text.startswith("# Support chatbot") and "## Deliverables" in doc.text


async def test_vote_view_and_errors(api, services):
    await make_members(services, "approver", 2)
    pid = await make_project(services, price="9000")
    body = (await api.post("/api/business/projects/deliver", json={"project_id": pid})).json()
    assert body["status"] == "awaiting_approval"
    vote = (await api.get(f"/api/business/votes/{body['vote_id']}")).json()
    assert {k: vote[k] for k in ("id", "status", "approve", "reject", "voters")} == {
        "id": body["vote_id"], "status": "open", "approve": 0, "reject": 0, "voters": []}
    assert (await api.get("/api/business/votes/999")).status_code == 404
    assert (await api.get("/api/business/projects/999")).status_code == 404
    bad = await api.post("/api/business/projects/deliver", json={"project_id": "x"})
    assert bad.status_code == 422 and "project_id" in bad.text
    r = await api.post(f"/api/business/projects/{pid}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    again = await api.post(f"/api/business/projects/{pid}/cancel")
    assert again.status_code == 409
