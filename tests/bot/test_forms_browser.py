"""A real browser: a page on another localhost port embeds the form and posts it (CORS and origins)."""

import asyncio
import os
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from bot.devtools.serving import free_port
from engine.sources.forms import FormSpec, create_form
from storage.models import Lead
from tests.conftest import ADMIN, IN_CI, op

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


def need_browser():
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        reason = "playwright is not installed"
    else:
        if os.path.exists(CHROMIUM):
            return
        reason = f"{CHROMIUM} is missing"
    if IN_CI:
        pytest.fail(reason + " (CI=true: a missing browser is a failure)")
    pytest.skip(reason)


class Site:
    """A plain static site on its own port: the agency's website that embeds Grace's form."""

    def __init__(self, pages: dict[str, str]) -> None:
        self.pages = pages
        self.port = free_port()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                body = site.pages.get(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write((body or "not found").encode())

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def origin(self) -> str:
        return f"http://localhost:{self.port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def embed_page(grace: str, public_id: str) -> str:
    return (f"<!doctype html><html lang='en'><head><title>Contact</title></head><body><h1>Acme</h1>"
            f"<div data-grace-form='{public_id}'></div>"
            f"<script src='{grace}/forms/{public_id}/embed.js' async></script></body></html>")


@pytest.fixture
async def browser():
    need_browser()
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        await b.close()


async def fill(page, email):
    await page.get_by_label("Your name").fill("Grace Hopper")
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Company (optional)").fill("Navy Labs")
    await page.get_by_label("What do you need?").fill("A compiler for our business language.")
    await page.get_by_label("Who referred you? (optional)").fill("Ada Lovelace")


async def test_embedded_form_posts_from_another_origin(services, live_server, browser):
    services.settings.form_min_fill_seconds = 1.0
    site = Site({})
    try:
        allowed = await op(services, ADMIN, create_form, FormSpec(name="Contact", allowed_origins=[site.origin]))
        other = await op(services, ADMIN, create_form, FormSpec(name="Elsewhere", allowed_origins=["https://other.example"]))
        site.pages["/contact"] = embed_page(live_server, allowed.public_id)
        site.pages["/wrong"] = embed_page(live_server, other.public_id)
        page = await browser.new_page()

        await page.goto(f"{site.origin}/contact")
        await page.get_by_label("Your name").wait_for()
        email = f"grace.{uuid.uuid4().hex[:6]}@navy.example.org"
        await fill(page, email)
        await asyncio.sleep(1.2)  # a person takes longer than the minimum fill time
        async with page.expect_navigation():
            await page.get_by_role("button", name="Send").click()
        assert page.url.startswith(f"{live_server}/forms/{allowed.public_id}/thanks")
        assert "Thank you" in await page.text_content("body")

        await page.goto(f"{site.origin}/wrong")
        await page.get_by_label("Your name").wait_for()
        await fill(page, "mallory@evil.example.org")
        await asyncio.sleep(1.2)
        async with page.expect_navigation():
            await page.get_by_role("button", name="Send").click()
        assert "cannot be submitted from this site" in await page.text_content("body")

        # A script on the page: the preflight passes for the allowed origin and fails for the other.
        script = """async ([url, email]) => {
            try {
              const r = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json'},
                                          body: JSON.stringify({name: 'Fetch User', email, message: 'hi',
                                                                _grace_token: 'x'})});
              return 'status ' + r.status;
            } catch (e) { return 'blocked'; }
        }"""
        await page.goto(f"{site.origin}/contact")
        assert await page.evaluate(script, [f"{live_server}/forms/{allowed.public_id}", "f@x.example.org"]) == "status 400"
        assert await page.evaluate(script, [f"{live_server}/forms/{other.public_id}", "f@x.example.org"]) == "blocked"
    finally:
        site.close()
    async with services.session_factory() as s:
        leads = (await s.execute(select(Lead))).scalars().all()
    assert len(leads) == 1
    assert leads[0].source == "website" and leads[0].referrer == "Ada Lovelace"
    assert leads[0].metadata_["form"] == allowed.public_id
