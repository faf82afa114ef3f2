"""Dashboard sessions, CSRF, the /ws Origin check and the security headers, through the real app.

Signing in exchanges the API key for a random server-side session: the cookie is not the key,
expires, is revoked by logout and dies with its key. The API takes the cookie for reads, and
for writes only with the session's CSRF token. /ws refuses a browser from another origin.
Every page forbids framing.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, update

from engine.team import revoke_api_key
from storage.models import ApiKey, DashboardSession, Lead
from storage.types import utcnow
from tests.conftest import ADMIN, lead_data, make_key, op

NO_BEARER = {"Authorization": ""}


async def sign_in(api: httpx.AsyncClient, key: str) -> tuple[str, str]:
    """The session cookie's value and the page's CSRF token."""
    r = await api.post("/login", data={"key": key})
    assert r.status_code == 303, r.text
    page = await api.get("/", headers=NO_BEARER)
    assert page.status_code == 200
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
    assert csrf is not None
    return str(api.cookies["grace_session"]), csrf.group(1)


async def leads(services) -> int:
    async with services.session_factory() as s:
        return int((await s.execute(select(func.count()).select_from(Lead))).scalar_one())


async def test_the_cookie_is_a_session_for_reads_and_writes_need_the_csrf_token(api, services):
    key = await make_key(services, role="sales")
    token, csrf = await sign_in(api, key)
    assert token != key and not token.startswith("grace_") and len(token) >= 40
    async with services.session_factory() as s:
        stored = (await s.execute(select(DashboardSession))).scalars().all()
    assert [x.token_hash for x in stored] != [token] and len(stored) == 1  # only a hash is kept

    assert (await api.get("/api/business/leads", headers=NO_BEARER)).status_code == 200
    forged = await api.post("/api/business/leads", json=lead_data(), headers=NO_BEARER)
    assert forged.status_code == 403 and forged.json()["details"]["rule"] == "session.csrf"
    wrong = await api.post("/api/business/leads", json=lead_data(), headers={**NO_BEARER, "X-CSRF-Token": csrf[:-1]})
    assert wrong.status_code == 403
    assert await leads(services) == 0
    ok = await api.post("/api/business/leads", json=lead_data(), headers={**NO_BEARER, "X-CSRF-Token": csrf})
    assert ok.status_code == 201 and await leads(services) == 1


async def test_the_raw_key_in_the_old_cookie_is_refused(api, services):
    key = await make_key(services, role="admin")
    api.cookies.set("grace_key", key)
    assert (await api.get("/api/business/leads", headers=NO_BEARER)).status_code == 401
    r = await api.get("/", headers=NO_BEARER)
    assert r.status_code == 303 and r.headers["location"] == "/login"


async def test_logout_revokes_the_session_everywhere(api, services):
    key = await make_key(services, role="viewer")
    token, csrf = await sign_in(api, key)
    assert (await api.post("/logout", data={"csrf_token": "not-it"}, headers=NO_BEARER)).status_code == 403
    assert (await api.get("/api/business/leads", headers=NO_BEARER)).status_code == 200  # still signed in
    out = await api.post("/logout", data={"csrf_token": csrf}, headers=NO_BEARER)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    api.cookies.set("grace_session", token)  # a copy of the cookie kept by someone else
    assert (await api.get("/api/business/leads", headers=NO_BEARER)).status_code == 401
    r = await api.get("/", headers=NO_BEARER)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    async with services.session_factory() as s:
        assert (await s.execute(select(DashboardSession.revoked_at))).scalar_one() is not None


async def test_sessions_expire_and_die_with_their_key(api, services):
    key = await make_key(services, role="viewer")
    await sign_in(api, key)
    async with services.session_factory() as s:
        await s.execute(update(DashboardSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        await s.commit()
    assert (await api.get("/api/business/leads", headers=NO_BEARER)).status_code == 401

    api.cookies.clear()
    await sign_in(api, key)
    assert (await api.get("/api/business/leads", headers=NO_BEARER)).status_code == 200
    async with services.session_factory() as s:
        key_id = (await s.execute(select(ApiKey.id).where(ApiKey.role == "viewer"))).scalar_one()
    await op(services, ADMIN, revoke_api_key, key_id)
    assert (await api.get("/api/business/leads", headers=NO_BEARER)).status_code == 401


async def test_session_lifetime_follows_the_setting(api, services):
    services.settings.dashboard_session_hours = 2
    key = await make_key(services, role="viewer")
    r = await api.post("/login", data={"key": key})
    assert "max-age=7200" in r.headers["set-cookie"].lower()
    async with services.session_factory() as s:
        row = (await s.execute(select(DashboardSession))).scalar_one()
    assert timedelta(hours=1, minutes=59) < row.expires_at - utcnow() <= timedelta(hours=2)


@pytest.mark.parametrize("path", ["/login", "/", "/api/business/leads", "/healthz", "/pay/nope", "/p/nope"])
async def test_every_response_forbids_framing_and_sniffing(api, path):
    r = await api.get(path)
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "script-src 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"


# ---- in Chromium ---------------------------------------------------------------------------------

async def test_in_chromium_framing_is_refused_and_ws_checks_the_origin(browser, services, live_server):
    key = await make_key(services, role="admin")
    port = live_server.rsplit(":", 1)[1]
    context = await browser.new_context()
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # The dashboard's own page: signed in, the CSP lets its script run and its WebSocket go live.
    await page.goto(live_server + "/login")
    await page.fill("#key", key)
    await page.click("button[type=submit]")
    await page.wait_for_url(live_server + "/")
    await page.wait_for_selector("#live[data-state=on]")
    cookies = {c["name"]: c for c in await context.cookies()}
    assert "grace_key" not in cookies and cookies["grace_session"]["value"] != key
    assert cookies["grace_session"]["httpOnly"] and await page.evaluate("document.cookie") == ""

    # An attacker's page on another origin may neither frame a page nor open /ws.
    await page.route("http://evil.test/**", lambda route: route.fulfill(
        status=200, content_type="text/html",
        body=f'<!doctype html><title>evil</title><iframe id="f" src="{live_server}/login"></iframe>'))
    await page.goto("http://evil.test/")
    await asyncio.sleep(1.0)
    framed = [f for f in page.frames if f != page.main_frame]
    assert framed
    for f in framed:  # Chromium shows its own error page in place of ours
        assert "Sign in" not in await f.content() and 'id="key"' not in await f.content()
    closed = await page.evaluate("""(url) => new Promise((done) => {
        const ws = new WebSocket(url);
        ws.onmessage = (m) => done({message: m.data});
        ws.onclose = (e) => done({code: e.code});
        setTimeout(() => done({timeout: true}), 5000);
    })""", f"ws://127.0.0.1:{port}/ws?key={key}")
    assert closed.get("code") not in (None, 1000) and "message" not in closed, closed

    # The same key from the server's own origin is welcome.
    await page.goto(live_server + "/login")
    hello = await page.evaluate("""(url) => new Promise((done) => {
        const ws = new WebSocket(url);
        ws.onmessage = (m) => { done({message: m.data}); ws.close(); };
        ws.onclose = (e) => done({code: e.code});
        setTimeout(() => done({timeout: true}), 5000);
    })""", f"ws://127.0.0.1:{port}/ws?key={key}")
    assert json.loads(hello["message"])["type"] == "hello"

    # Signing out in the browser revokes the session server-side: the cookie, replayed, is refused.
    await page.goto(live_server + "/")
    token = cookies["grace_session"]["value"]
    await page.click("header form button[type=submit]")
    await page.wait_for_url(live_server + "/login")
    async with httpx.AsyncClient(base_url=live_server, cookies={"grace_session": token}) as http:
        assert (await http.get("/api/business/leads")).status_code == 401
    await context.close()
    assert errors == []


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
async def test_sessions_ended_more_than_a_day_ago_are_deleted_at_the_next_sign_in(api, services):
    """The table does not grow with every sign-in: ended sessions (expired or logged out) go a day after
    they end; a live one, and one that ended within the day, stay."""
    key = await make_key(services, role="viewer")
    for _ in range(4):
        api.cookies.clear()
        await sign_in(api, key)
    async with services.session_factory() as s:
        ids = (await s.execute(select(DashboardSession.id).order_by(DashboardSession.id))).scalars().all()
        now = utcnow()
        await s.execute(update(DashboardSession).where(DashboardSession.id == ids[0])
                        .values(expires_at=now - timedelta(days=2)))
        await s.execute(update(DashboardSession).where(DashboardSession.id == ids[1])
                        .values(revoked_at=now - timedelta(days=1, minutes=1)))
        await s.execute(update(DashboardSession).where(DashboardSession.id == ids[2])
                        .values(expires_at=now - timedelta(hours=23)))
        await s.commit()
    api.cookies.clear()
    await sign_in(api, key)
    assert (await api.get("/api/business/leads", headers=NO_BEARER)).status_code == 200
    async with services.session_factory() as s:
        left = (await s.execute(select(DashboardSession.id).order_by(DashboardSession.id))).scalars().all()
    assert left[:2] == [ids[2], ids[3]] and len(left) == 3, (ids, left)
