"""The guided demo: one client's whole lifecycle on a throw-away database, told step by step.

Every step goes through the path real people use: the website form's public endpoint, the
agent (offline model) spoken to by team members, the client's proposal and NPS pages, the
engine's Parliament votes, the in-process job queue running the build, the payment provider
and a signed Stripe webhook. Only the outside world is stood in for: Stripe is the fake
Stripe API served on loopback (so the real Stripe SDK and provider run), and Slack is off
(messages the team would get are printed instead).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from bot.devtools.fake_stripe import run_fake_stripe, signed
from bot.devtools.serving import free_port
from bot.devtools.stage import (
    DB_FILE,
    DEMO_HOST,
    OPERATOR,
    WEBHOOK_SECRET,
    ConsoleNotifier,
    DemoFailed,
    DemoOutcome,
    Story,
    demo_settings,
    link_path,
)
from engine.audit import verify_audit_chain
from engine.billing.invoices import collect_payment
from engine.context import Services
from engine.delivery.deliver import deliver_project
from engine.errors import GraceError
from engine.notify import KeyedNotifier
from engine.parliament.schemas import SUBJECT_PROJECT_DELIVERY
from engine.parliament.votes import cast_vote
from engine.proposals.links import proposal_link
from engine.proposals.service import generate_proposal
from engine.satisfaction.surveys import send_nps_survey
from engine.satisfaction.tokens import sign_survey, survey_link
from engine.scoring.operations import qualify_lead
from engine.sources.forms import TOKEN_FIELD, FormSpec, create_form
from engine.sources.guard import issue_form_token
from engine.team import add_team_member, create_api_key
from storage.models import Client, Invoice, Lead, NpsSurvey, Project, Proposal, VoteSession

TEAM = [("U0DEMOSAM", "Sam (sales)", "sales"), ("U0DEMODANA", "Dana (delivery)", "delivery"),
        ("U0DEMOFIONA", "Fiona (finance)", "finance"), ("U0DEMOALEX", "Alex (approver)", "approver"),
        ("U0DEMOBLAIR", "Blair (approver)", "approver")]
SUBMISSION = {
    "name": "Maya Lindqvist", "email": "maya@northwind-demo.example", "company": "Northwind Analytics",
    "message": "We need a customer portal with login, a dashboard of our shipments and Stripe payments, "
               "plus an API for our mobile app. We would like to launch within three months.",
    "budget": "$24,000", "referrer": "Jordan at Contoso",
}


async def play(story: Story) -> None:
    s, services = story, story.services
    o = story.outcome

    await s.step("The team")
    for slack_id, name, role in TEAM:
        await s.op(OPERATOR, add_team_member, slack_id, name, role)
    s.result("5 team members: " + ", ".join(name for _, name, _ in TEAM))
    key = await s.op(OPERATOR, create_api_key, "demo dashboard", "admin")
    o.api_key = key.key

    await s.step("A lead arrives through the website form")
    form = await s.op(OPERATOR, create_form, FormSpec(name="Contact us"))
    # The form refuses posts sent sooner than GRACE_FORM_MIN_FILL_SECONDS after it was shown.
    # A person needs a while to type; the demo asks the engine for a token as if the page had
    # been shown 30 seconds longer ago than that, instead of switching the check off or waiting.
    shown_at = time.time() - services.settings.form_min_fill_seconds - 30
    token = issue_form_token(services.settings.resolved_secret_key(), form.public_id, issued_at=shown_at)
    s.say(SUBMISSION["name"], f"(on the website) {SUBMISSION['message']} Budget {SUBMISSION['budget']}.")
    await s.expect(await s.http.post(f"/forms/{form.public_id}", json={**SUBMISSION, TOKEN_FIELD: token}), 201)
    async with services.session_factory() as session:
        lead = (await session.execute(select(Lead).join(Client, Lead.client_id == Client.id)
                                      .where(Client.email == SUBMISSION["email"]))).scalar_one()
    o.lead_id = lead.id
    s.result(f"POST /forms/{form.public_id} -> 201; lead #{lead.id} from {lead.source}, stage {lead.stage}")

    await s.step("Qualification, with the factors behind the score")
    await s.talk("U0DEMOSAM", f"qualify lead {lead.id}", qualify_lead, lead.id)
    lead = await s.load(Lead, lead.id)
    data = lead.qualification_data or {}
    for f in sorted(data.get("factors", []), key=lambda f: -abs(f.get("points", 0)))[:6]:
        s.out.print(f"    {f.get('points', 0):+6.1f}  {f.get('text', f.get('feature'))}", highlight=False)
    s.result(f"score {lead.score:.0f} ({data.get('scored_by')}), qualified: {lead.qualified}; "
             f"lead #{lead.id} is {lead.stage}. {data.get('recommendation', '')}")

    await s.step("A proposal")
    await s.talk("U0DEMOSAM", "generate a proposal for it", generate_proposal, lead.id)
    async with services.session_factory() as session:
        proposal = (await session.execute(select(Proposal).where(Proposal.lead_id == lead.id)
                                          .order_by(Proposal.version.desc()).limit(1))).scalar_one()
    if proposal.project_id is None:
        raise DemoFailed("the proposal has no project plan")
    o.project_id = proposal.project_id
    link = proposal_link(services.settings, proposal.id)
    s.result(f"proposal v{proposal.version} \u201c{proposal.title}\u201d: {proposal.currency} {proposal.price:,.2f} "
             f"over {proposal.weeks} weeks; project #{o.project_id} planned. The client's link: {link}")

    await s.step("The client reads and accepts the proposal")
    page = link_path(link)
    await s.expect(await s.http.get(page), 200)
    s.say(SUBMISSION["name"], "(on the proposal page) Accept — signed Maya Lindqvist")
    await s.expect(await s.http.post(page, data={"name": SUBMISSION["name"]}), 200)
    lead = await s.load(Lead, lead.id)
    s.result(f"GET and POST /p/… -> 200; lead #{lead.id} is now {lead.stage}")

    await s.step("Delivery asks Parliament: two approvers vote")
    await s.talk("U0DEMODANA", f"deliver project {o.project_id}", deliver_project, o.project_id)
    async with services.session_factory() as session:
        vote = (await session.execute(select(VoteSession).where(VoteSession.subject_type == SUBJECT_PROJECT_DELIVERY,
                                                                VoteSession.subject_id == o.project_id)
                                      .order_by(VoteSession.id.desc()).limit(1))).scalar_one_or_none()
    if vote is None:
        raise DemoFailed(f"no vote was opened for project #{o.project_id}")
    o.vote_id = vote.id
    s.result(f"vote #{vote.id} opened: \u201c{vote.title}\u201d, approvers {', '.join(vote.approvers)}, "
             f"quorum {vote.quorum} (the price is over GRACE_PARLIAMENT_THRESHOLD)")
    for slack_id, comment in (("U0DEMOALEX", "Scope and price look right."), ("U0DEMOBLAIR", "Go ahead.")):
        voter = await s.member(slack_id)
        s.say(voter.name or slack_id, f"approve — {comment}")
        cast = await s.op(voter, cast_vote, o.vote_id, "approve", comment)
        s.result(f"vote #{o.vote_id}: {cast.vote.approve} approve, {cast.vote.reject} reject"
                 + (f"; decided: {cast.decided}" if cast.decided else ""))

    await s.step("The build")
    await watch_build(s, o.project_id)

    await s.step("The invoice")
    await s.talk("U0DEMOFIONA", f"invoice project {o.project_id}", collect_payment, o.project_id)
    async with services.session_factory() as session:
        invoice = (await session.execute(select(Invoice).where(Invoice.project_id == o.project_id)
                                         .order_by(Invoice.id.desc()).limit(1))).scalar_one()
    o.invoice_id = invoice.id
    s.result(f"{invoice.invoice_number}: {invoice.currency} {invoice.amount:,.2f} issued through Stripe "
             f"(invoice {invoice.provider_invoice_id} on the fake Stripe API at {s.fake.url}); "
             f"pay link {invoice.payment_link}")

    await s.step("Stripe reports the payment")
    event = s.fake.event("invoice.paid", str(invoice.provider_invoice_id))
    body, headers = signed(event, WEBHOOK_SECRET)
    s.out.print("    Stripe here is a fake of its API on loopback (bot/devtools/fake_stripe.py): Grace's real Stripe "
                "provider and SDK created the customer and the invoice there. When the client pays, Stripe posts "
                f"a signed {event['type']} event to /webhooks/stripe; the demo posts that event, signed with the "
                "webhook secret, as Stripe would.", highlight=False)
    await s.expect(await s.http.post("/webhooks/stripe", content=body, headers=headers), 200)
    invoice = await s.load(Invoice, o.invoice_id)
    lead = await s.load(Lead, lead.id)
    s.result(f"POST /webhooks/stripe ({event['id']}) -> 200; invoice {invoice.status}, lead #{lead.id} is {lead.stage}")

    await s.step("The client answers the NPS survey")
    await s.talk("U0DEMOSAM", f"send the NPS survey for project {o.project_id}", send_nps_survey, o.project_id)
    async with services.session_factory() as session:
        survey = (await session.execute(select(NpsSurvey).where(NpsSurvey.project_id == o.project_id)
                                        .order_by(NpsSurvey.id.desc()).limit(1))).scalar_one()
    o.survey_id = survey.id
    page = link_path(survey_link(services.settings, sign_survey(services.settings, survey.id, o.project_id,
                                                             str(survey.nonce))))
    await s.expect(await s.http.get(page), 200)
    comment = "The portal shipped early and works beautifully."
    s.say(SUBMISSION["name"], f"(on the survey page) 10 — {comment}")
    await s.expect(await s.http.post(page, data={"score": "10", "comment": comment}), 303)
    survey = await s.load(NpsSurvey, o.survey_id)
    async with services.session_factory() as session:
        others = (await session.execute(select(Lead).where(Lead.client_id == lead.client_id, Lead.id != lead.id)
                                        )).scalars().all()
    s.result(f"POST /nps/… -> 303; score {survey.score} ({survey.category})"
             + "".join(f"; follow-up: lead #{x.id} ({x.source}) at {x.stage}" for x in others))

    await s.step("The audit trail")
    async with services.session_factory() as session:
        report = await verify_audit_chain(session)
    s.result(f"audit chain verified: {report.entries} entries, unbroken" if report.ok
             else f"audit chain BROKEN at entry {report.first_broken_seq}: {report.problem}")


async def watch_build(s: Story, project_id: int) -> None:
    """The build runs on the job queue (in this process); the bar follows the project's progress."""
    services = s.services
    columns = (TextColumn("  building project #{task.fields[project]}"), BarColumn(), TaskProgressColumn(),
               TextColumn("{task.fields[milestones]}"), TimeElapsedColumn())
    with Progress(*columns, console=s.out, transient=False) as bar:
        task = bar.add_task("build", total=1.0, project=project_id, milestones="")
        while True:
            async with services.session_factory() as session:
                project = await session.get(Project, project_id)
                assert project is not None
                status, progress = project.status, float(project.progress or 0)
            bar.update(task, completed=progress, milestones=status)
            if status in ("delivered", "failed", "cancelled"):
                break
            await asyncio.sleep(0.05)
    join = getattr(services.queue, "join", None)
    if join is not None:
        await join()  # what follows the delivery (the NPS survey is scheduled) finishes too
    if status != "delivered":
        raise DemoFailed(f"the build ended {status}")
    async with services.session_factory() as session:
        project = await session.get(Project, project_id)
        lead = await session.get(Lead, project.lead_id)  # type: ignore[union-attr]
    s.result(f"project #{project_id} delivered; lead is {lead.stage}")  # type: ignore[union-attr]


@asynccontextmanager
async def _fake_stripe():  # type: ignore[no-untyped-def]
    async for fake in run_fake_stripe(free_port()):
        yield fake


async def run_demo(workdir: Path, *, out: Console, pause: float = 0.0, step_delay: float = 0.0,
                   after: Callable[[httpx.AsyncClient], Awaitable[None]] | None = None,
                   prepare: Callable[[Services], None] | None = None) -> DemoOutcome:
    """Play the lifecycle on a fresh SQLite database in `workdir`; returns what was created.

    `prepare` may adjust the services before the story starts (tests give the agent other tools);
    `after` is called with the HTTP client of the demo's app before it is closed."""
    from bot.app import create_app
    from bot.cli.common import migrate_database
    from bot.services import build_services, close_services

    start = time.perf_counter()
    async with _fake_stripe() as fake:
        settings = demo_settings(workdir, fake, step_delay=step_delay)
        await asyncio.to_thread(migrate_database, settings)
        services = await build_services(settings)
        services.notifier = KeyedNotifier(ConsoleNotifier(out), services.session_factory)
        outcome = DemoOutcome(database=workdir / DB_FILE)
        try:
            if prepare is not None:
                prepare(services)
            app = create_app(settings, services)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=DEMO_HOST) as http:
                story = Story(services, http, fake, out, pause, outcome)
                try:
                    await play(story)
                except GraceError as e:
                    raise DemoFailed(e.message) from e
                if after is not None:
                    await after(http)
                outcome.seconds = time.perf_counter() - start
        finally:
            await close_services(services)
    return outcome
