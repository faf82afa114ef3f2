"""The whole client lifecycle from Slack alone, through the app `grace serve` builds (Slack on,
embedded queue, the fake Slack Web API on loopback): a message captures a lead, it is qualified,
a proposal is drafted, the client accepts it by its link, `deliver project N` is confirmed with
the button, two approvers click Approve on the posted vote message, the build runs as a job to
the end with its progress in the vote's thread, `invoice project N` is confirmed, and the NPS
survey link goes out. Every Slack request is sent again as Slack's retries (X-Slack-Retry-Num)
and changes nothing.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest_asyncio
from sqlalchemy import func, select

from bot.slack.actions.votes import ONLY_APPROVERS
from bot.slack.ids import ActionId
from engine.context import Services
from engine.team import add_team_member
from storage.models import (
    AuditEntry,
    Invoice,
    Lead,
    Milestone,
    NpsSurvey,
    Project,
    ProjectArtifact,
    Proposal,
    Vote,
)
from tests.conftest import ADMIN, op
from tests.fakes.slack import TEAM
from tests.helpers.slack import event_body, mention, next_ts, sign
from tests.helpers.slack_surfaces import mrkdwn_texts

SALES, DELIVERY, FINANCE = "U0SALES", "U0DELIVERY", "U0FINANCE"
APPROVERS = ["U0APPROVER1", "U0APPROVER2"]
STRANGER = "U0STRANGER"
CHANNEL = "C0LEADS"
RETRIES = 2


class Slack:
    """Signed requests as Slack sends them, each followed by Slack's retries of the same request."""

    def __init__(self, client: httpx.AsyncClient, fake: Any, services: Services) -> None:
        self.client, self.fake, self.services = client, fake, services

    async def _post(self, raw: bytes, ctype: str, retry: int | None = None) -> httpx.Response:
        headers = {"Content-Type": ctype, **sign(raw)}
        if retry is not None:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        r = await self.client.post("/slack/events", content=raw, headers=headers)
        assert r.status_code == 200, r.text
        return r

    async def say(self, text: str, user: str, thread_ts: str | None = None) -> dict[str, Any]:
        """Mention Grace (a thread reply when `thread_ts`); return Grace's one answer in that thread."""
        ts = next_ts()
        root = thread_ts or ts
        before = len(self.replies(root))
        raw = json.dumps(event_body(mention(text, user=user, channel=CHANNEL, thread_ts=thread_ts, ts=ts))).encode()
        await self._post(raw, "application/json")
        for n in range(1, RETRIES + 1):
            await self._post(raw, "application/json", retry=n)
        await self.settle()
        answers = self.replies(root)[before:]
        assert len(answers) == 1, [a.params["text"] for a in answers]  # retries answered once
        return {"root": root, "posted_ts": answers[0].answer["ts"], **answers[0].params}

    async def click(self, message: dict[str, Any], label: str, user: str, *, retries: bool = True) -> None:
        """Click the button `label` of a message Grace posted (and, as Slack may, send the click again)."""
        button = next(e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
                      if e["text"]["text"] == label)
        ts = message["posted_ts"]
        payload = {"type": "block_actions", "team": {"id": TEAM}, "user": {"id": user}, "api_app_id": "A0GRACE",
                   "trigger_id": f"trig.{next_ts()}", "channel": {"id": message["channel"]},
                   "container": {"type": "message", "message_ts": ts, "channel_id": message["channel"],
                                 "thread_ts": message.get("thread_ts")},
                   "message": {"ts": ts, "thread_ts": message.get("thread_ts"), "blocks": message["blocks"]},
                   "actions": [{"action_id": button["action_id"], "block_id": "b", "value": button["value"],
                                "type": "button", "action_ts": str(time.time())}]}
        raw = urlencode({"payload": json.dumps(payload)}).encode()
        await self._post(raw, "application/x-www-form-urlencoded")
        await self.settle()
        if retries:
            await self._post(raw, "application/x-www-form-urlencoded", retry=1)
            await self.settle()

    async def settle(self) -> None:
        """Wait for every job the requests started (the embedded queue runs them in this process).
        Bolt runs a listener on after its ack; `until` waits for what the listener leads to."""
        for _ in range(3):
            await self.services.queue.join()  # type: ignore[union-attr]
            await asyncio.sleep(0.05)

    async def until(self, probe: Any, expected: Any, timeout: float = 20.0) -> None:
        got = None
        for _ in range(int(timeout / 0.05)):
            got = await probe()
            if got == expected:
                await self.settle()
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"timed out waiting for {expected!r} (last {got!r})")

    def replies(self, thread_ts: str) -> list[Any]:
        return [c for c in self.fake.of("chat.postMessage") if c.params.get("thread_ts") == thread_ts]

    def posted(self, predicate: Any) -> list[dict[str, Any]]:
        return [{**c.params, "posted_ts": c.answer["ts"]} for c in self.fake.of("chat.postMessage")
                if predicate(c.params)]


@pytest_asyncio.fixture
async def life(slack_settings: Any, fake_slack: Any) -> AsyncIterator[tuple[Slack, httpx.AsyncClient, Services]]:
    from bot.app import create_app
    from bot.services import build_services, close_services

    settings = slack_settings.model_copy(update={"nps_delay_days": 0})  # the survey goes out at delivery
    services = await build_services(settings)
    for uid, name, role in [(SALES, "Sam Sales", "sales"), (DELIVERY, "Dee Livery", "delivery"),
                            (FINANCE, "Fin Ance", "finance"), (APPROVERS[0], "Ann Prover", "approver"),
                            (APPROVERS[1], "Al Prover", "approver")]:
        await op(services, ADMIN, add_team_member, uid, name, role)
    app = create_app(services=services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://grace.test") as client:
        yield Slack(client, fake_slack, services), client, services
    await close_services(services)


async def count(services: Services, model: Any, *where: Any) -> int:
    async with services.session_factory() as s:
        return int((await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def test_the_whole_lifecycle_from_slack_alone(life):
    slack, web, services = life

    # A message captures a lead.
    captured = await slack.say("new lead: Ada Lovelace ada@example.com from Acme Ltd, came through LinkedIn, "
                               "budget $60k, wants a support chatbot with CRM integration", SALES)
    assert captured["text"].startswith("Captured lead #"), captured["text"]
    lead_id = int(re.search(r"#(\d+)", captured["text"]).group(1))  # type: ignore[union-attr]
    root = captured["root"]
    assert await count(services, Lead) == 1

    project_id = await sell_deliver_invoice(slack, web, services, lead_id, root)
    assert project_id

    # Nothing was done twice by the retries.
    assert await count(services, Lead) == 1 and await count(services, Proposal) == 1
    assert await count(services, Invoice) == 1 and await count(services, Vote) == 2
    assert await count(services, AuditEntry, AuditEntry.action == "project.delivery_started") == 1


async def sell_deliver_invoice(slack: Slack, web: httpx.AsyncClient, services: Services, lead_id: int,
                               root: str | None, signer: str = "Ada Lovelace") -> int:
    """From a captured lead to the NPS survey link, all in Slack but the client's acceptance."""
    # Qualification, then a proposal with the client's link.
    qualified = await slack.say(f"qualify lead {lead_id}", SALES, root)
    root = root or qualified["root"]
    assert f"Lead #{lead_id}" in qualified["text"] and "/100" in str(qualified["blocks"])
    drafted = await slack.say(f"draft a proposal for lead {lead_id}", SALES, root)
    link = next(e["url"] for b in drafted["blocks"] if b["type"] == "actions" for e in b["elements"]
                if e["action_id"] == ActionId.PROPOSAL_OPEN_LINK)
    assert await count(services, Proposal) == 1

    # The client accepts by the link (the proposal page, not Slack).
    token = link.rsplit("/", 1)[1]
    r = await web.post(f"/p/{token}", data={"name": signer})
    assert r.status_code == 200 and "acceptance is recorded" in r.text
    async with services.session_factory() as s:
        assert (await s.get(Lead, lead_id)).stage == "CONTRACT"
        project_id = (await s.execute(select(Project.id).where(Project.lead_id == lead_id))).scalar_one()
    milestones = await count(services, Milestone, Milestone.project_id == project_id)
    assert milestones >= 2

    # `deliver project N` asks for confirmation; the Confirm click opens the Parliament vote.
    ask = await slack.say(f"deliver project {project_id}", DELIVERY, root)
    assert "?" in ask["text"] and await count(services, Vote) == 0
    await slack.click(ask, "Confirm", DELIVERY)
    await slack.until(lambda: project_status(services, project_id), "awaiting_approval")
    [vote_msg] = slack.posted(lambda p: any(e.get("action_id") == ActionId.VOTE_APPROVE
                                            for b in p.get("blocks") or [] if b["type"] == "actions"
                                            for e in b["elements"]))
    assert vote_msg["channel"] == "C0APPROVE"
    async with services.session_factory() as s:
        assert (await s.get(Project, project_id)).status == "awaiting_approval"

    # Someone who is not an approver is refused politely, in an ephemeral message; no vote is recorded.
    await slack.click(vote_msg, "Approve", SALES, retries=False)
    [refusal] = (await slack.fake.wait_for("chat.postEphemeral", 1))[-1:]
    assert (refusal.params["user"], refusal.params["text"]) == (SALES, ONLY_APPROVERS)
    assert await count(services, Vote) == 0

    # Two approvers click Approve on the posted message (each click sent twice): two votes, decided.
    await slack.click(vote_msg, "Approve", APPROVERS[0])
    await slack.until(lambda: count(services, Vote), 1)
    await slack.click(vote_msg, "Approve", APPROVERS[1])
    await slack.until(lambda: project_status(services, project_id), "delivered")
    assert await count(services, Vote) == 2
    assert await count(services, AuditEntry, AuditEntry.action == "vote.decided") == 1

    # The build ran as a job to the end, its progress in the vote's thread.
    async with services.session_factory() as s:
        project = await s.get(Project, project_id)
        assert project.status == "delivered"
    async with services.session_factory() as s:
        built = set((await s.execute(select(ProjectArtifact.milestone_id).where(
            ProjectArtifact.project_id == project_id))).scalars())
        ms = set((await s.execute(select(Milestone.id).where(Milestone.project_id == project_id))).scalars())
    assert built == ms  # artifacts for every milestone, and only for them
    thread = [c.params["text"] for c in slack.replies(vote_msg["posted_ts"])]
    assert sum(": milestone " in t and "built" in t for t in thread) == milestones, thread
    assert any("is delivered" in t for t in thread)

    # `invoice project N` with its confirmation click.
    ask = await slack.say(f"invoice project {project_id}", FINANCE, root)
    assert await count(services, Invoice) == 0
    await slack.click(ask, "Confirm", FINANCE)
    await slack.until(lambda: count(services, NpsSurvey), 1)
    await slack.until(lambda: count(services, Invoice), 1)
    [invoice] = await _all(services, Invoice)
    answered = slack.replies(root)[-1].params
    assert invoice.invoice_number in answered["text"] + str(answered["blocks"])
    assert any(e.get("action_id") == ActionId.INVOICE_OPEN_LINK for b in answered["blocks"] if b["type"] == "actions"
               for e in b["elements"])

    # The NPS survey link went out, once.
    [survey] = await _all(services, NpsSurvey)
    links = [c for c in slack.fake.of("chat.postMessage") if "/nps/" in str(c.params)]
    assert len(links) == 1 and survey.project_id == project_id

    return int(project_id)


async def project_status(services: Services, project_id: int) -> str:
    async with services.session_factory() as s:
        return str((await s.get(Project, project_id)).status)


async def _all(services: Services, model: Any) -> list[Any]:
    async with services.session_factory() as s:
        return list((await s.execute(select(model))).scalars())


HOSTILE = "<https://evil.example|Open signed contract>"
ESCAPED = "&lt;https://evil.example|Open signed contract&gt;"


def unescaped(calls: list[Any]) -> list[str]:
    """Every text Grace sent to Slack as mrkdwn (a message's `text`, mrkdwn blocks, the Home tab) that
    would render the hostile name as a link. plain_text (headers, buttons) is shown as typed."""
    texts = []
    for c in calls:
        p = c.params
        texts += [p["text"]] if isinstance(p.get("text"), str) else []
        texts += mrkdwn_texts(p.get("blocks") or []) + mrkdwn_texts((p.get("view") or {}).get("blocks") or [])
    return [t for t in texts if "<https://evil" in t]


async def test_a_hostile_name_from_a_public_form_is_shown_as_typed_everywhere(life):
    """`<https://evil.example|Open signed contract>` as a public form's name: the lead card, the vote card
    the approvers see, and every other message Grace posts show it as text, never as a link."""
    from engine.sources.forms import FormSpec, create_form
    from tests.helpers.forms import fields

    slack, web, services = life
    form = await op(services, ADMIN, create_form, FormSpec(name="Contact us"))
    data = fields(services, form, name=HOSTILE, company=HOSTILE, budget="$60k",
                  message=f"We need a support chatbot. {HOSTILE}")
    r = await web.post(f"/forms/{form.public_id}", data=data)
    assert r.status_code in (201, 303), r.text
    [lead] = await _all(services, Lead)
    await slack.settle()
    await sell_deliver_invoice(slack, web, services, lead.id, None, signer=HOSTILE)

    [vote_msg] = [c for c in slack.fake.of("chat.postMessage") if any(
        e.get("action_id") == ActionId.VOTE_APPROVE for b in c.params.get("blocks") or [] if b["type"] == "actions"
        for e in b["elements"])]
    assert ESCAPED in str(vote_msg.params["blocks"])
    [card] = [c for c in slack.fake.of("chat.postMessage") if c.params["text"].startswith("New website lead")]
    assert ESCAPED in str(card.params["blocks"])
    sent = [c for c in slack.fake.calls if c.method != "auth.test"]
    assert len(sent) > 20 and not unescaped(sent), unescaped(sent)
    assert sum(ESCAPED in str(c.params) for c in sent) >= 5  # shown, escaped, on many messages


def test_every_surface_shows_a_hostile_name_as_typed():
    from tests.helpers.slack_surfaces import render_all

    shown, _ = render_all(HOSTILE)
    for name, blocks in shown.items():
        assert not [t for t in mrkdwn_texts(blocks) if "<https://evil" in t], name
    # Every surface with a client-written field shows the name, escaped (not dropped); these have none.
    without_client_text = {"build delivered", "build progress with Cancel", "confirmation answered", "error", "help",
                           "home tab", "home tab, no pipeline", "proposal text", "result of collect_payment",
                           "result of pipeline_metrics", "result of revenue_stats",
                           # the readings of a team member's own message, not a client's text
                           "unsure: two readings", "reading chosen"}
    assert {name for name, blocks in shown.items() if ESCAPED not in str(blocks)} == without_client_text
