"""The dashboard in a real browser: each view loads at laptop and phone widths with no console
errors, and a card moves live when its lead changes stage through the API."""

import httpx
import pytest

from tests.conftest import ARTIFACTS, lead_data, make_key

VIEWS = ["/", "/dashboard/funnel", "/dashboard/revenue", "/dashboard/delivery", "/dashboard/audit"]


async def _signed_in_page(browser, live_server, key, viewport):
    context = await browser.new_context(viewport=viewport)
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(live_server + "/")
    assert page.url.endswith("/login")
    await page.fill("#key", key)
    await page.click("button[type=submit]")
    await page.wait_for_url(live_server + "/")
    return context, page, errors


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_card_moves_live_and_views_render(browser, services, live_server):
    key = await make_key(services, role="admin")
    async with httpx.AsyncClient(base_url=live_server, headers={"Authorization": f"Bearer {key}"}) as http:
        lead_ids = [(await http.post("/api/business/leads", json=lead_data(source=s))).json()["lead_id"]
                    for s in ("website", "referral", "linkedin")]
        context, page, errors = await _signed_in_page(browser, live_server, key, {"width": 1366, "height": 850})
        card = page.locator(f"#lead-{lead_ids[0]}")
        assert await card.get_attribute("data-stage") == "LEAD"
        await page.wait_for_selector("#live[data-state=on]")
        r = await http.post(f"/api/business/leads/{lead_ids[0]}/stage", json={"stage": "QUALIFIED"})
        assert r.status_code == 200
        await page.wait_for_selector(f'.column[data-stage="QUALIFIED"] #lead-{lead_ids[0]}', timeout=5000)
        assert await page.locator('.column[data-stage="QUALIFIED"] .count').inner_text() == "1"
        assert await page.locator('.column[data-stage="LEAD"] .count').inner_text() == "2"
        for view in VIEWS:
            await page.goto(live_server + view)
            await page.wait_for_load_state("networkidle")
            assert await page.locator("main").count() == 1
            name = view.strip("/").replace("/", "_") or "board"
            await page.screenshot(path=str(ARTIFACTS / f"dashboard_{name}_laptop.png"), full_page=True)
        await context.close()
        assert errors == []

        context, page, errors = await _signed_in_page(browser, live_server, key, {"width": 390, "height": 844})
        for view in VIEWS:
            await page.goto(live_server + view)
            await page.wait_for_load_state("networkidle")
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390 + 1, f"{view} overflows the phone viewport ({width}px)"
            name = view.strip("/").replace("/", "_") or "board"
            await page.screenshot(path=str(ARTIFACTS / f"dashboard_{name}_phone.png"), full_page=True)
        await context.close()
        assert errors == []


async def test_wrong_key_is_refused_with_a_clear_message(api):
    r = await api.post("/login", data={"key": "nope"})
    assert r.status_code == 401 and "not valid" in r.text
    r = await api.get("/", headers={"Authorization": ""})
    assert r.status_code == 303 and r.headers["location"] == "/login"


async def sign_in(api: httpx.AsyncClient, key: str) -> str:
    """Sign in through the form; the client keeps the session cookie. Returns the cookie's value."""
    r = await api.post("/login", data={"key": key})
    assert r.status_code == 303, r.text
    return str(api.cookies["grace_session"])


async def test_login_sets_an_http_only_cookie(api, services):
    key = await make_key(services, role="viewer")
    r = await api.post("/login", data={"key": key})
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert key not in r.headers["set-cookie"] and key.lower() not in cookie  # a session, never the key
    # a viewer may see the board but not the audit log
    assert (await api.get("/", headers={"Authorization": ""})).status_code == 200
    assert (await api.get("/dashboard/audit", headers={"Authorization": ""})).status_code == 403


async def test_delivery_and_revenue_views_show_votes_builds_and_nps(api, services):
    from datetime import timedelta
    from decimal import Decimal

    from storage.models import NpsSurvey, Project, VoteSession
    from storage.types import utcnow

    lead = (await api.post("/api/business/leads", json=lead_data())).json()
    async with services.session_factory() as s:
        project = Project(client_id=lead["client_id"], lead_id=lead["lead_id"], title="Support bot", status="in_progress",
                          progress=0.5, price=Decimal("12000"))
        s.add(project)
        await s.flush()
        s.add(VoteSession(subject_type="project_delivery", subject_id=project.id, title="Deliver Support bot",
                          status="open", approvers=["U1", "U2"], quorum=2, approve_share=Decimal("0.5"),
                          approve_count=1, deadline_at=utcnow() + timedelta(hours=48), opened_by="test"))
        for i, score in enumerate([10, 9, 3]):
            s.add(NpsSurvey(project_id=project.id, client_id=lead["client_id"], status="answered", nonce=f"n{i}",
                            score=score, answered_at=utcnow()))
        await s.commit()
    key = await make_key(services, role="viewer")
    await sign_in(api, key)
    page = (await api.get("/dashboard/delivery", headers={"Authorization": ""})).text
    assert "Deliver Support bot" in page and f'id="progress-{project.id}"' in page and 'value="0.5"' in page
    page = (await api.get("/dashboard/revenue", headers={"Authorization": ""})).text
    assert "NPS per month" in page and ">33.3<" in page  # 2 promoters, 1 detractor of 3
