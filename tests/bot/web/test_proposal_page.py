"""The client's proposal page in a real browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select

from engine.context import Services
from engine.pipeline.capture import capture_lead
from engine.pipeline.schemas import LeadInput
from engine.proposals.links import proposal_token
from engine.proposals.service import generate_proposal
from storage.models import Lead
from tests.conftest import IN_CI, SALES, lead_data, op
from tests.helpers.proposals import signed_days_ago

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

CHROMIUM = os.environ.get("GRACE_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def need_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    msg = f"Chromium is not installed at {CHROMIUM}"
    if IN_CI:
        pytest.fail(msg + " (CI=true: a missing browser is a failure)")
    pytest.skip(msg)


@pytest_asyncio.fixture
async def browser() -> AsyncIterator[Any]:
    need_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield b
        finally:
            await b.close()


async def proposal(services: Services) -> tuple[int, Any]:
    lead_id = (await op(services, SALES, capture_lead, LeadInput(**lead_data(budget="30000")))).lead_id
    return lead_id, await op(services, SALES, generate_proposal, lead_id)


async def test_page_renders_and_accepts_exactly_once(services: Services, live_server: str, browser: Any) -> None:
    lead_id, res = await proposal(services)
    url = f"{live_server}/p/{res.proposal.link.rsplit('/', 1)[1]}"
    page, stale = await browser.new_page(), await browser.new_page()
    response = await page.goto(url)
    assert response.status == 200
    assert await page.title() == f"{(await page.text_content('h1')).strip()} — proposal v1"
    price = f"{res.proposal.price:,.2f}"
    assert price in await page.text_content("#price")
    assert await page.locator("#deliverables tbody tr").count() == len(res.proposal.deliverables)
    assert await page.locator("#milestones tbody tr").count() == len(res.project_plan.milestones)
    assert res.proposal.budget_note in await page.text_content("#budget-note")
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "proposal_page.png"), full_page=True)
    await page.emulate_media(media="print")
    assert not await page.locator("#accept-form").is_visible()  # printable: no form on paper
    await page.emulate_media(media="screen")

    await stale.goto(url)  # a second tab, opened before accepting
    await page.fill("input[name=name]", "Ada Lovelace")
    async with page.expect_navigation() as nav:
        await page.click("#accept")
    assert (await nav.value).status == 200
    assert "acceptance is recorded" in await page.text_content("#notice")
    assert "Accepted by Ada Lovelace" in await page.text_content("#accepted")
    assert await page.locator("#accept-form").count() == 0
    await page.screenshot(path=str(ARTIFACTS / "proposal_accepted.png"), full_page=True)

    await stale.fill("input[name=name]", "Someone Else")
    async with stale.expect_navigation() as nav:
        await stale.click("#accept")
    assert (await nav.value).status == 409
    assert "already accepted" in await stale.text_content("#error-message")

    async with services.session_factory() as s:
        assert (await s.execute(select(Lead.stage).where(Lead.id == lead_id))).scalar_one() == "CONTRACT"
    sent = [m for m in services.notifier.sent if (m["key"] or "").startswith("proposal-accepted:")]  # type: ignore[attr-defined]
    assert len(sent) == 1


async def test_tampered_and_expired_links_get_a_clear_page(services: Services, live_server: str,
                                                           browser: Any) -> None:
    _lead_id, res = await proposal(services)
    token = res.proposal.link.rsplit("/", 1)[1]
    page = await browser.new_page()
    tampered = token[:-3] + ("xyz" if not token.endswith("xyz") else "abc")
    response = await page.goto(f"{live_server}/p/{tampered}")
    assert response.status == 403
    assert await page.text_content("#error-title") == "This link is not valid"
    assert await page.locator("#accept-form").count() == 0
    forged = proposal_token(services.settings.model_copy(update={"secret_key": "guess"}), res.proposal.id)
    assert (await page.goto(f"{live_server}/p/{forged}")).status == 403
    expired = signed_days_ago(31, lambda: proposal_token(services.settings, res.proposal.id))
    response = await page.goto(f"{live_server}/p/{expired}")
    assert response.status == 410
    assert "expired" in await page.text_content("#error-message")
    await page.screenshot(path=str(ARTIFACTS / "proposal_expired.png"))
    r = await page.request.post(f"{live_server}/p/{expired}", form={"name": "Mallory"})
    assert r.status == 410
