"""A real browser answers a survey: Debian's Chromium driven by Playwright, against a live server
whose Slack notifier talks to the fake Slack API. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from engine.context import Services
from engine.satisfaction.surveys import send_nps_survey
from storage.models import Client, Lead, Project
from tests.conftest import IN_CI, SALES, op
from tests.helpers.nps import delivered_project, get

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

if not os.path.exists(CHROMIUM):
    if IN_CI:
        pytest.fail(f"{CHROMIUM} is missing (CI=true: browser tests must run)", pytrace=False)
    pytestmark = pytest.mark.skip(reason=f"{CHROMIUM} is not installed")
else:
    pytestmark = pytest.mark.browser


@pytest_asyncio.fixture
async def slack_live_server(slack_services: Services) -> AsyncIterator[str]:
    """Like `live_server`, but over the services whose notifier posts to the fake Slack API."""
    from bot.app import create_app
    from bot.devtools.serving import serve_on_loopback

    async with serve_on_loopback(create_app(services=slack_services), lifespan="on") as url:
        yield url


VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
              "device_scale_factor": 2},
}


@pytest.mark.parametrize("device", list(VIEWPORTS))
async def test_client_answers_a_survey_in_a_real_browser(device, slack_services, slack_live_server, fake_slack):
    from playwright.async_api import async_playwright

    services = slack_services
    d = await delivered_project(services, title="Support chatbot")
    sent = await op(services, SALES, send_nps_survey, d.project_id)
    path = "/nps/" + sent.link.rsplit("/", 1)[1]
    problems: list[str] = []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            context = await browser.new_context(**VIEWPORTS[device])
            page = await context.new_page()
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            response = await page.goto(slack_live_server + path)
            assert response is not None and response.status == 200
            question = "How likely are you to recommend us to a friend or colleague?"
            group = page.get_by_role("group", name=question)
            await group.wait_for()
            await page.screenshot(path=str(ARTIFACTS / f"nps-survey-{device}.png"), full_page=True)
            # the radio is visually replaced by its label: pick it as a person would, by its label
            await group.get_by_text("3", exact=True).click()
            assert await page.get_by_role("radio", name="3", exact=True).is_checked()
            await page.get_by_label("What is the main reason for your score? (optional)").fill(
                "Deadlines slipped and updates were rare.")
            # keyboard: focus moves to the submit button and Enter sends the form
            await page.get_by_role("button", name="Send my answer").focus()
            async with page.expect_navigation():
                await page.keyboard.press("Enter")
            await page.get_by_role("heading", name="Thank you!").wait_for()
            assert page.url.endswith(path + "/thanks")
            await page.screenshot(path=str(ARTIFACTS / f"nps-thanks-{device}.png"), full_page=True)
            if device == "phone":
                width = await page.evaluate("document.documentElement.scrollWidth")
                assert width <= 390, "the page scrolls sideways on a phone"
            await context.close()
        finally:
            await browser.close()
    assert problems == []
    project = await get(services, Project, d.project_id)
    assert project.nps_score == 3 and project.client_feedback == "Deadlines slipped and updates were rare."
    assert (await get(services, Client, d.client_id)).satisfaction_score == 3.0
    lead = await get(services, Lead, d.lead_id)
    assert lead.next_action and lead.next_action.startswith("Call ")
    calls = await fake_slack.wait_for("chat.postMessage", 2)
    alerts = [c.params["text"] for c in calls if c.params["channel"] == "C0ALERTS"]
    assert len(alerts) == 1 and "Detractor" in alerts[0] and "Deadlines slipped" in alerts[0]


async def test_keyboard_alone_can_pick_a_score(slack_services, slack_live_server):
    """Tab into the scale, arrow keys move the choice, the focus is visible."""
    from playwright.async_api import async_playwright

    d = await delivered_project(slack_services)
    sent = await op(slack_services, SALES, send_nps_survey, d.project_id)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = await browser.new_page()
            await page.goto(slack_live_server + "/nps/" + sent.link.rsplit("/", 1)[1])
            await page.keyboard.press("Tab")
            assert await page.evaluate("document.activeElement.name") == "score"
            for _ in range(9):
                await page.keyboard.press("ArrowRight")
            assert await page.evaluate("document.activeElement.value") == "9"
            outline = await page.evaluate(
                "getComputedStyle(document.querySelector('label[for=score-9]')).outlineStyle")
            assert outline == "solid"
            await page.keyboard.press("Tab")
            await page.keyboard.type("Great")
            await page.keyboard.press("Tab")
            async with page.expect_navigation():
                await page.keyboard.press("Enter")
            assert page.url.endswith("/thanks")
        finally:
            await browser.close()
    assert (await get(slack_services, Project, d.project_id)).nps_score == 9
